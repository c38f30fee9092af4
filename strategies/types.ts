import type { CeilingShape } from '../src/db/calibrate.js';
import type { FaultEffect, Survives } from '../src/faults/spec.js';
import type { RedisClient } from './locks/types.js';
export type { RedisClient } from './locks/types.js';
import type { Pool } from 'mysql2/promise';
import type { Pool as PgPool } from 'pg';
import type { DatabaseKind } from '../src/db/kinds.js';
import { z } from 'zod';
import type { IssueOutcome } from '../src/outcomes.js';
import type { Timer } from '../src/serverTiming.js';
import type { IssueSections } from './sections.js';

export type { FailureCause, IssueOutcome, IssueResult } from '../src/outcomes.js';

/**
 * What integrity a strategy promises. The audit gate uses this to know whether a violation is a
 * bug (promise broken) or the expected demonstration (`none`, `in-process` on several instances).
 */
export const IntegrityPromiseSchema = z.enum(['none', 'single-instance', 'across-instances']);
export type IntegrityPromise = z.infer<typeof IntegrityPromiseSchema>;

export interface IssueRequest {
  couponId: number;
  userId: number;
  /** Times the request's phases (lock wait, critical section, ...) for the Server-Timing header. */
  timer?: Timer;
}

/** Knobs a strategy may read; each strategy documents which ones. Times in milliseconds. */
export const StrategyOptionsSchema = z.object({
  lockWaitMs: z.number().nonnegative().default(10_000),
  lockLeaseMs: z.number().positive().default(30_000),
  retryIntervalMs: z.number().nonnegative().default(100),
  // Retries after the first attempt: 3 attempts in all, as Spring Retry's default maxAttempts.
  maxRetries: z.number().int().nonnegative().default(2),
  /** Add a fencing token to a lock that supports it (`fencing` on the strategy): the row refuses stale holders. */
  fencing: z.boolean().default(false),
});
export type StrategyOptions = z.infer<typeof StrategyOptionsSchema>;

/** The knobs a strategy may read (`--lock-lease`, `--lock-wait`, `--retry-interval`, `--max-retries`). */
export const STRATEGY_KNOBS = ['lockLeaseMs', 'lockWaitMs', 'retryIntervalMs', 'maxRetries'] as const;
export type StrategyKnob = (typeof STRATEGY_KNOBS)[number];

export const DEFAULT_STRATEGY_OPTIONS: StrategyOptions = StrategyOptionsSchema.parse({});

/** Handed to a strategy by the server instance that hosts it. */
export interface StrategyContext {
  /** What this run issues on (`--db`): `mysql` is the pool on MySQL runs, `pg` on PostgreSQL runs. */
  db: DatabaseKind;
  mysql: Pool;
  pg?: PgPool;
  /** The naive section and the winner's write, on whichever database this run issues on. */
  sections: IssueSections;
  /** The run's database, for strategies that need connections of their own (named locks). */
  databaseUrl: string;
  poolSize: number;
  redis: RedisClient;
  /** Every independent Redis node (redis[0] is `redis`). */
  redisNodes: RedisClient[];
  onePerUser: boolean;
  options: StrategyOptions;
  /** 1-based server instance number, for lock owner ids. */
  instance: number;
}

export interface StrategyInstance {
  issue(req: IssueRequest): Promise<IssueOutcome>;
  close?(): Promise<void>;
}

/** Redis-side bookkeeping a strategy keeps, for the audit to reconcile with the database. */
export interface RedisLedger {
  stock: number | null;
  winners: number;
}

/** What a write-behind strategy did, read once its queue drained (`settle`). */
export const PersistenceSchema = z.object({
  claimed: z.number().int(),
  persisted: z.number().int(),
  /** Entries delivered to a consumer and not acknowledged when the wait ended (0 when drained). */
  pending: z.number().int(),
  drained: z.boolean(),
  /** How long the audit waited for the stream to drain after the load. */
  settleMs: z.number(),
  /** The most winners ever told "issued" and not yet in MySQL. */
  maxWaiting: z.number().int(),
  /** Time from the claim (the client's 200) to the row's commit, per winner. */
  lagP50Ms: z.number(),
  lagP95Ms: z.number(),
  lagMaxMs: z.number(),
});
export type Persistence = z.infer<typeof PersistenceSchema>;

export interface SeededCouponRef {
  couponId: number;
  quantity: number;
}

export interface Strategy {
  name: string;
  summary: string;
  promise: IntegrityPromise;
  create(ctx: StrategyContext): StrategyInstance;
  /**
   * It issues from a pool of `quantity` pre-generated codes (coupon_code) instead of decrementing
   * the coupon row: the harness seeds the pool, and the audit's stock is the pool's free codes.
   */
  codePool?: boolean;
  /** The databases it issues on (absent: MySQL only). */
  databases?: readonly DatabaseKind[];
  /** Refuse a configuration the strategy cannot run in; returns the reason. */
  validate?(setup: { redisNodes: number; instances: number; db: DatabaseKind; fencing: boolean }): string | undefined;
  /** Run once by the harness after seeding, before the server starts (e.g. load stock into Redis). */
  prepare?(redis: RedisClient, coupon: SeededCouponRef): Promise<void>;
  /**
   * Wait (up to timeoutMs) until what clients were told is all in MySQL, and say how it went.
   * For write-behind strategies; run after the load, before the server stops and the audit counts.
   */
  settle?(redis: RedisClient, couponId: number, timeoutMs: number): Promise<Persistence>;
  /** Read the Redis-side state after the run, for reconciliation. */
  ledger?(redis: RedisClient, couponId: number): Promise<RedisLedger>;
  /**
   * The effects of faults that break it (src/faults/spec.ts FAULT_EFFECTS): what it survives is
   * derived from them and each fault kind's declared effects; `[]` survives every fault.
   */
  breaksUnder?: readonly FaultEffect[];
  /** Or, for a plugin: the fault kinds it keeps integrity under; the gate holds it to them. */
  survives?: Survives;
  /**
   * The knobs it reads: what can change its result, so comparisons tell runs apart by them and
   * headers print them (absent: every knob, as for a plugin that does not say).
   */
  knobs?: readonly StrategyKnob[];
  /** It takes `--fencing`, and then breaks only under these effects instead (or survives these kinds). */
  fencing?: { breaksUnder?: readonly FaultEffect[]; survives?: Survives };
  /**
   * The hot-row transaction shape this strategy's database work has (src/db/calibrate.ts): its
   * efficiency is measured against that shape's ceiling. Default: the conditional update. The
   * read-modify-write under a lock (SELECT, INSERT, UPDATE) is the select-for-update shape.
   */
  ceiling?: CeilingShape;
  /** Who holds the coupon's lock now (its key and owner id), for the pause-holder fault. */
  lockHolder?(redis: RedisClient, couponId: number): Promise<{ key: string; owner: string } | null>;
}
