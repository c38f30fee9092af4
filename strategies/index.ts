import { UsageError } from '../src/errors.js';
import { inProcess } from './inProcess.js';
import { mysqlAtomic } from './mysqlAtomic.js';
import { mysqlNamedLock } from './mysqlNamedLock.js';
import { mysqlOptimistic } from './mysqlOptimistic.js';
import { mysqlPessimistic } from './mysqlPessimistic.js';
import { none } from './none.js';
import { redisAtomic } from './redisAtomic.js';
import { redisFair } from './redisFair.js';
import { redisPubSub } from './redisPubSub.js';
import { redisSpin } from './redisSpin.js';
import { redlock } from './redlock.js';
import type { Strategy } from './types.js';

export type * from './types.js';
export { DEFAULT_STRATEGY_OPTIONS } from './types.js';

/** Every strategy the CLI knows, in the order `couponbench strategies` lists them. */
export const STRATEGIES: readonly Strategy[] = [
  none,
  inProcess,
  mysqlPessimistic,
  mysqlOptimistic,
  mysqlAtomic,
  mysqlNamedLock,
  redisSpin,
  redisPubSub,
  redisFair,
  redlock,
  redisAtomic,
];

export function strategyNames(): string[] {
  return STRATEGIES.map((s) => s.name);
}

export function getStrategy(name: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) throw new UsageError(`unknown strategy "${name}" (known: ${strategyNames().join(', ')})`);
  return found;
}
