/**
 * A separate process that races one lock, for the lock tests (and anyone who wants to race a
 * lock by hand): `node dist/strategies/locks/raceWorker.js '<json RaceOrder>'`.
 * Inside the critical section it increments a shared Redis counter: a value above 1 means two
 * holders at once, which is counted, not assumed away. Prints one JSON line of results.
 */
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '../../src/db/connect.js';
import { makeLock, type LockKind } from './catalogue.js';

export interface RaceOrder {
  kind: LockKind;
  redisUrls: string[];
  mysqlUrl?: string;
  key: string;
  owner: string;
  /** race: acquire/hold/release `iterations` times. hold-forever: acquire, say so, never release. */
  mode: 'race' | 'hold-forever';
  iterations: number;
  holdMs: number;
  waitMs: number;
  leaseMs: number;
  retryIntervalMs: number;
}

export interface RaceResult {
  acquired: number;
  timedOut: number;
  overlaps: number;
  releaseFailures: number;
}

async function main(): Promise<void> {
  const order = JSON.parse(process.argv[2] ?? '{}') as RaceOrder;
  const nodes = order.redisUrls.map((url) => new Redis(url));
  const pool = order.mysqlUrl ? createPool(order.mysqlUrl, 2) : undefined;
  const { lock, close } = makeLock(order.kind, { nodes, pool, key: order.key, leaseMs: order.leaseMs, retryIntervalMs: order.retryIntervalMs });
  const counter = nodes[0]!;
  const holdersKey = `${order.key}:race:holders`;
  const overlapsKey = `${order.key}:race:overlaps`;

  if (order.mode === 'hold-forever') {
    if (!(await lock.tryLock(order.owner, order.waitMs))) throw new Error('could not take the lock');
    process.stdout.write('held\n');
    await new Promise(() => {});
  }

  const result: RaceResult = { acquired: 0, timedOut: 0, overlaps: 0, releaseFailures: 0 };
  for (let i = 0; i < order.iterations; i++) {
    const owner = `${order.owner}:${i}`;
    if (!(await lock.tryLock(owner, order.waitMs))) {
      result.timedOut++;
      continue;
    }
    result.acquired++;
    if ((await counter.incr(holdersKey)) > 1) {
      result.overlaps++;
      await counter.incr(overlapsKey);
    }
    await sleep(order.holdMs);
    await counter.decr(holdersKey);
    if (!(await lock.unlock(owner))) result.releaseFailures++;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await close();
  await pool?.end();
  nodes.forEach((n) => n.disconnect());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
