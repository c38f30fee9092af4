import { z } from 'zod';
import { DATABASE_KINDS } from '../db/kinds.js';
import { StrategyOptionsSchema } from '../../strategies/types.js';
import type { ServerCounts } from './counts.js';

/** Everything a server instance needs; passed to each cluster worker as JSON in its env, and checked there. */
export const WorkerConfigSchema = z.object({
  /** What the instance issues on, and the URL of our database there. */
  db: z.enum(DATABASE_KINDS).default('mysql'),
  databaseUrl: z.string(),
  redisUrls: z.array(z.string()).min(1),
  /** The one Redis URL names a node of a Redis Cluster. */
  redisCluster: z.boolean().default(false),
  strategy: z.string(),
  strategyModule: z.string().optional(),
  options: StrategyOptionsSchema,
  onePerUser: z.boolean(),
  poolSize: z.number().int().positive(),
  host: z.string(),
  port: z.number().int().nonnegative(),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export const WORKER_CONFIG_ENV = 'COUPONBENCH_WORKER_CONFIG';
export const WORKER_INSTANCE_ENV = 'COUPONBENCH_WORKER_INSTANCE';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'start-error'; message: string; code?: string }
  | { type: 'stats'; counts: ServerCounts };

/** `stall-next-holder` is fault injection (slow-holder): see strategies/faultHook.ts. */
export type PrimaryMessage = { type: 'shutdown' } | { type: 'stall-next-holder'; ms: number };
