import type { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';

/**
 * What integrity a strategy promises. The audit gate uses this to know whether a violation is a
 * bug (promise broken) or the expected demonstration (`none`, `in-process` on several instances).
 */
export type IntegrityPromise = 'none' | 'single-instance' | 'across-instances';

export type FailureCause =
  | 'deadlock'
  | 'lock_wait_timeout'
  | 'release_failed'
  | 'redis_error'
  | 'db_error';

export type IssueOutcome = (
  | { result: 'issued' }
  | { result: 'sold_out' }
  | { result: 'already_issued' }
  | { result: 'lock_timeout' }
  | { result: 'retries_exhausted' }
  | { result: 'unknown_coupon' }
  | { result: 'failed'; cause: FailureCause; detail?: string }
) & {
  /** The lock was no longer ours at release (lease expired, token gone): integrity may be broken. */
  warning?: 'release_failed';
};

export type IssueResult = IssueOutcome['result'];

export interface IssueRequest {
  couponId: number;
  userId: number;
}

/** Knobs a strategy may read; each strategy documents which ones. Times in milliseconds. */
export interface StrategyOptions {
  lockWaitMs: number;
  lockLeaseMs: number;
  retryIntervalMs: number;
  maxRetries: number;
}

export const DEFAULT_STRATEGY_OPTIONS: StrategyOptions = {
  lockWaitMs: 10_000,
  lockLeaseMs: 30_000,
  retryIntervalMs: 100,
  // Retries after the first attempt: 3 attempts in all, as Spring Retry's default maxAttempts.
  maxRetries: 2,
};

/** Handed to a strategy by the server instance that hosts it. */
export interface StrategyContext {
  mysql: Pool;
  /** For strategies that need connections of their own (named locks). */
  mysqlUrl: string;
  poolSize: number;
  redis: Redis;
  /** Every independent Redis node (redis[0] is `redis`). */
  redisNodes: Redis[];
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

export interface SeededCouponRef {
  couponId: number;
  quantity: number;
}

export interface Strategy {
  name: string;
  summary: string;
  promise: IntegrityPromise;
  create(ctx: StrategyContext): StrategyInstance;
  /** Refuse a configuration the strategy cannot run in; returns the reason. */
  validate?(setup: { redisNodes: number; instances: number }): string | undefined;
  /** Run once by the harness after seeding, before the server starts (e.g. load stock into Redis). */
  prepare?(redis: Redis, coupon: SeededCouponRef): Promise<void>;
  /** Read the Redis-side state after the run, for reconciliation. */
  ledger?(redis: Redis, couponId: number): Promise<RedisLedger>;
}
