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
import { redisSpinFenced } from './redisSpinFenced.js';
import { redisStream } from './redisStream.js';
import { redlock } from './redlock.js';
import { mysqlSkipLocked } from './mysqlSkipLocked.js';
import { redisPop } from './redisPop.js';
import { pgAdvisory } from './postgres/pgAdvisory.js';
import { pgAtomic } from './postgres/pgAtomic.js';
import { pgOptimistic } from './postgres/pgOptimistic.js';
import { pgPessimistic } from './postgres/pgPessimistic.js';
import { pgSerializable } from './postgres/pgSerializable.js';
import { resolve } from 'node:path';
import { isStrategyFile, loadPluginStrategy } from './plugin.js';
import type { Strategy } from './types.js';
import type { DatabaseKind } from '../src/db/kinds.js';

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
  mysqlSkipLocked,
  pgPessimistic,
  pgOptimistic,
  pgAtomic,
  pgAdvisory,
  pgSerializable,
  redisSpin,
  redisSpinFenced,
  redisPubSub,
  redisFair,
  redlock,
  redisAtomic,
  redisStream,
  redisPop,
];

export function strategyNames(): string[] {
  return STRATEGIES.map((s) => s.name);
}

/** The built-ins that issue on `db`: what `--strategies all` runs with `--db`. */
export function strategiesFor(db: DatabaseKind): string[] {
  return STRATEGIES.filter((s) => (s.databases ?? ['mysql']).includes(db)).map((s) => s.name);
}

export function getStrategy(name: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) throw new UsageError(`unknown strategy "${name}" (known: ${strategyNames().join(', ')}; or a path to a plugin file)`);
  return found;
}

/** Which strategy a run uses: a built-in by name, or a plugin by its name and module path. */
export interface StrategyRef {
  strategy: string;
  /** Absolute path of a plugin module; each server instance imports it. */
  strategyModule?: string;
}

/** `--strategy` as given (a built-in name or a plugin file), checked, as a run's reference. */
export async function resolveStrategyRef(given: string): Promise<StrategyRef> {
  if (!isStrategyFile(given)) return { strategy: getStrategy(given).name };
  const plugin = await loadPluginStrategy(given);
  if (strategyNames().includes(plugin.name)) {
    throw new UsageError(`strategy file ${resolve(given)} is named "${plugin.name}" like a built-in strategy; give it a name of its own`);
  }
  return { strategy: plugin.name, strategyModule: resolve(given) };
}

export function strategyOf(ref: StrategyRef): Promise<Strategy> {
  return ref.strategyModule ? loadPluginStrategy(ref.strategyModule) : Promise.resolve(getStrategy(ref.strategy));
}
