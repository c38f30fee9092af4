import type { StrategyOptions } from '../../strategies/types.js';
import type { ServerTally } from './app.js';

/** Everything a server instance needs; passed to each cluster worker as JSON in its env. */
export interface WorkerConfig {
  mysqlUrl: string;
  redisUrls: string[];
  strategy: string;
  options: StrategyOptions;
  onePerUser: boolean;
  poolSize: number;
  host: string;
  port: number;
}

export const WORKER_CONFIG_ENV = 'COUPONBENCH_WORKER_CONFIG';
export const WORKER_INSTANCE_ENV = 'COUPONBENCH_WORKER_INSTANCE';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'start-error'; message: string; code?: string }
  | { type: 'stats'; tally: ServerTally };

export type PrimaryMessage = { type: 'shutdown' };
