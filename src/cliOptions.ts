import { InvalidArgumentError } from 'commander';
import { parseStagesFlag, type ScenarioOverrides } from './config.js';
import { parseDuration } from './duration.js';
import { DEFAULT_STRATEGY_OPTIONS, type StrategyOptions } from '../strategies/index.js';

/** Commander value parsers: each turns bad input into one clear line. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

export function seconds(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function stages(value: string): ReturnType<typeof parseStagesFlag> {
  try {
    return parseStagesFlag(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; expected e.g. 10s:2000,80s:2000`);
  }
}

export interface RunFlags {
  strategy: string;
  scenario: string;
  quantity?: number;
  vus?: number;
  duration?: number;
  stages?: ReturnType<typeof parseStagesFlag>;
  thinkTime?: number;
  userPool?: number;
  onePerUser?: boolean;
  timeout?: number;
  instances: number;
  poolSize: number;
  host: string;
  port: number;
  infra: string;
  mysqlUrl?: string;
  redisUrl?: string;
  redisNodes: number;
  database: string;
  seed: number;
  lockWait?: number;
  lockLease?: number;
  retryInterval?: number;
  maxRetries?: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}


/** The flags `run` and `matrix` share. */
export type SharedRunFlags = Omit<RunFlags, 'strategy' | 'out' | 'json'>;

export function scenarioOverrides(f: SharedRunFlags): ScenarioOverrides {
  return {
    quantity: f.quantity,
    vus: f.vus,
    duration: f.duration,
    stages: f.stages,
    thinkTime: f.thinkTime,
    userPool: f.userPool,
    onePerUser: f.onePerUser,
    timeout: f.timeout,
  };
}

export function strategyOptions(f: SharedRunFlags): StrategyOptions {
  const d = DEFAULT_STRATEGY_OPTIONS;
  return {
    lockWaitMs: f.lockWait !== undefined ? f.lockWait * 1000 : d.lockWaitMs,
    lockLeaseMs: f.lockLease !== undefined ? f.lockLease * 1000 : d.lockLeaseMs,
    retryIntervalMs: f.retryInterval !== undefined ? f.retryInterval * 1000 : d.retryIntervalMs,
    maxRetries: f.maxRetries ?? d.maxRetries,
  };
}
