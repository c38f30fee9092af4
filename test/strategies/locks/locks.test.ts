import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, databaseUrl } from '../../../src/db/connect.js';
import { builtModule } from '../../../src/paths.js';
import { LOCK_KINDS, makeLock, type LockKind } from '../../../strategies/locks/catalogue.js';
import { fairLockScripts } from '../../../strategies/locks/redisFairLock.js';
import { RedisFairLock } from '../../../strategies/locks/redisFairLock.js';
import { RedisPubSubLock } from '../../../strategies/locks/redisPubSubLock.js';
import { spinLockScripts } from '../../../strategies/locks/redisSpinLock.js';
import { Subscriptions } from '../../../strategies/locks/subscriptions.js';
import type { RaceOrder, RaceResult } from '../../../strategies/locks/raceWorker.js';
import type mysql from 'mysql2/promise';

const WORKER = builtModule('strategies/locks/raceWorker.js');
let redis: Redis;
let pool: mysql.Pool;
const opened: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = new Redis(inject('redisUrls')[0]!);
  const admin = createPool(inject('mysqlUrl'), 1);
  await admin.query('CREATE DATABASE IF NOT EXISTS cb_locks');
  await admin.end();
  pool = createPool(databaseUrl(inject('mysqlUrl'), 'cb_locks'), 8);
});

afterAll(async () => {
  for (const close of opened) await close();
  await pool.end();
  redis.disconnect();
});

function lock(kind: LockKind, key: string, leaseMs = 30_000) {
  const nodes = kind === 'redlock' ? inject('redisUrls').map((u) => new Redis(u)) : [new Redis(inject('redisUrls')[0]!)];
  const made = makeLock(kind, { nodes, pool, key, leaseMs, retryIntervalMs: 20 });
  opened.push(async () => {
    await made.close();
    nodes.forEach((n) => n.disconnect());
  });
  return made.lock;
}

function order(kind: LockKind, key: string, o: Partial<RaceOrder>): RaceOrder {
  return {
    kind,
    redisUrls: kind === 'redlock' ? inject('redisUrls') : [inject('redisUrls')[0]!],
    mysqlUrl: databaseUrl(inject('mysqlUrl'), 'cb_locks'),
    key,
    owner: randomUUID(),
    mode: 'race',
    iterations: 15,
    holdMs: 5,
    waitMs: 20_000,
    leaseMs: 30_000,
    retryIntervalMs: 10,
    ...o,
  };
}

function raceProcess(o: RaceOrder): ResultPromise {
  return execa('node', [WORKER, JSON.stringify(o)], { reject: false });
}

async function race(kind: LockKind, processes: number, o: Partial<RaceOrder>): Promise<RaceResult[]> {
  const key = `couponbench:test:${kind}:${randomUUID()}`;
  const runs = await Promise.all(Array.from({ length: processes }, () => raceProcess(order(kind, key, o))));
  return runs.map((r) => {
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)) as RaceResult;
  });
}

const sum = (results: RaceResult[], field: keyof RaceResult) => results.reduce((a, r) => a + r[field], 0);

describe.each(LOCK_KINDS)('%s lock', (kind) => {
  it('never has two holders at once across three processes', async () => {
    const results = await race(kind, 3, {});
    expect(sum(results, 'overlaps')).toBe(0);
    expect(sum(results, 'acquired')).toBe(45);
    expect(sum(results, 'releaseFailures')).toBe(0);
  });

  it('ignores a release by a non-owner', async () => {
    const key = `couponbench:test:${kind}:${randomUUID()}`;
    const a = lock(kind, key);
    const b = lock(kind, key);
    expect(await a.tryLock('alice', 1000)).toBe(true);
    expect(await b.unlock('mallory')).toBe(false);
    expect(await b.tryLock('bob', 150)).toBe(false);
    expect(await a.unlock('alice')).toBe(true);
    expect(await b.tryLock('bob', 1000)).toBe(true);
    expect(await b.unlock('bob')).toBe(true);
  });

  it('gives up after its wait time while another holds the lock', async () => {
    const key = `couponbench:test:${kind}:${randomUUID()}`;
    const a = lock(kind, key);
    const b = lock(kind, key);
    expect(await a.tryLock('holder', 1000)).toBe(true);
    const started = Date.now();
    expect(await b.tryLock('waiter', 600)).toBe(false);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(kind === 'named' ? 550 : 500);
    expect(waited).toBeLessThan(2000);
    expect(await a.unlock('holder')).toBe(true);
  });

  if (kind !== 'named') {
    it("lets the next waiter in when a crashed holder's lease runs out", async () => {
      const key = `couponbench:test:${kind}:${randomUUID()}`;
      const holder = execa('node', [WORKER, JSON.stringify(order(kind, key, { mode: 'hold-forever', leaseMs: 1500 }))], { reject: false });
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', () => reject(new Error('holder exited early')));
      });
      holder.kill('SIGKILL');
      await holder;
      const next = lock(kind, key, 1500);
      const started = Date.now();
      expect(await next.tryLock('survivor', 8000)).toBe(true);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(await next.unlock('survivor')).toBe(true);
    });
  } else {
    it('frees the lock when the holding session dies', async () => {
      const key = `couponbench.test.${randomUUID().slice(0, 8)}`;
      const holder = execa('node', [WORKER, JSON.stringify(order(kind, key, { mode: 'hold-forever' }))], { reject: false });
      await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
      const next = lock(kind, key);
      expect(await next.tryLock('other', 200)).toBe(false);
      holder.kill('SIGKILL');
      await holder;
      expect(await next.tryLock('other', 8000)).toBe(true);
      expect(await next.unlock('other')).toBe(true);
    });
  }
});

describe('detector sanity', () => {
  it('does see overlaps and failed releases when the lease is shorter than the work', async () => {
    const results = await race('spin', 3, { leaseMs: 5, holdMs: 40, iterations: 8 });
    expect(sum(results, 'overlaps')).toBeGreaterThan(0);
    expect(sum(results, 'releaseFailures')).toBeGreaterThan(0);
  });
});

describe('redis-fair', () => {
  it('grants the lock in arrival order across two clients', async () => {
    const key = `couponbench:test:fair:${randomUUID()}`;
    const clients = [new Redis(inject('redisUrls')[0]!), new Redis(inject('redisUrls')[0]!)];
    const subs = clients.map((c) => new Subscriptions(c));
    opened.push(async () => {
      await Promise.all(subs.map((s) => s.close()));
      clients.forEach((c) => c.disconnect());
    });
    const locks = clients.map((c, i) => new RedisFairLock(c, subs[i]!, key, { leaseMs: 30_000 }));
    expect(await locks[0]!.tryLock('holder', 1000)).toBe(true);
    const granted: string[] = [];
    const waiters: Promise<void>[] = [];
    const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    for (const [i, name] of names.entries()) {
      const l = locks[i % 2]!;
      waiters.push(
        l.tryLock(name, 10_000).then(async (ok) => {
          expect(ok).toBe(true);
          granted.push(name);
          await sleep(20);
          expect(await l.unlock(name)).toBe(true);
        }),
      );
      while ((await redis.llen(locks[0]!.queueKey)) < i + 1) await sleep(5);
    }
    expect(await redis.lrange(locks[0]!.queueKey, 0, -1)).toEqual(names);
    expect(await locks[0]!.unlock('holder')).toBe(true);
    await Promise.all(waiters);
    expect(granted).toEqual(names);
    expect(await redis.exists(locks[0]!.queueKey, locks[0]!.timeoutKey)).toBe(0);
  });

  it('removes a waiter that gives up from the queue', async () => {
    const key = `couponbench:test:fair:${randomUUID()}`;
    const a = lock('fair', key) as RedisFairLock;
    const b = lock('fair', key) as RedisFairLock;
    expect(await a.tryLock('holder', 1000)).toBe(true);
    expect(await b.tryLock('quitter', 300)).toBe(false);
    expect(await redis.llen(a.queueKey)).toBe(0);
    expect(await redis.zcard(a.timeoutKey)).toBe(0);
    expect(await a.unlock('holder')).toBe(true);
  });

  it('is reentrant per owner', async () => {
    const key = `couponbench:test:fair:${randomUUID()}`;
    const a = lock('fair', key);
    const b = lock('fair', key);
    expect(await a.tryLock('me', 100)).toBe(true);
    expect(await a.tryLock('me', 100)).toBe(true);
    expect(await a.unlock('me')).toBe(true);
    expect(await b.tryLock('you', 100)).toBe(false);
    expect(await a.unlock('me')).toBe(true);
    expect(await b.tryLock('you', 1000)).toBe(true);
    await b.unlock('you');
  });
});

describe('redis-pubsub watchdog', () => {
  it("keeps a slow holder's lease alive past the lease time, and is reentrant", async () => {
    const key = `couponbench:test:pubsub:${randomUUID()}`;
    const subs = new Subscriptions(redis);
    opened.push(() => subs.close());
    const a = new RedisPubSubLock(redis, subs, key, { watchdogTimeoutMs: 600 });
    const b = lock('pubsub', key, 600);
    expect(await a.tryLock('slow', 100)).toBe(true);
    expect(await a.tryLock('slow', 100)).toBe(true);
    await sleep(2000); // more than three leases
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await b.tryLock('eager', 100)).toBe(false);
    expect(await a.unlock('slow')).toBe(true);
    expect(await a.unlock('slow')).toBe(true);
    expect(await b.tryLock('eager', 1000)).toBe(true);
    await b.unlock('eager');
  });

  it('without a watchdog (spin lock) the same slow holder loses its lease and the release is reported', async () => {
    const key = `couponbench:test:spin:${randomUUID()}`;
    const a = lock('spin', key, 600);
    expect(await a.tryLock('slow', 100)).toBe(true);
    await sleep(900);
    expect(await a.unlock('slow')).toBe(false);
  });
});

describe('Lua scripts', () => {
  it('are reloaded after SCRIPT FLUSH', async () => {
    const key = `couponbench:test:scripts:${randomUUID()}`;
    const spin = lock('spin', key);
    const fair = lock('fair', `${key}:fair`);
    expect(await spin.tryLock('o', 100)).toBe(true);
    expect(await spin.unlock('o')).toBe(true);
    expect(await fair.tryLock('o', 100)).toBe(true);
    const before = spinLockScripts.COMPARE_AND_DELETE.loads + fairLockScripts.RELEASE.loads;
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', spinLockScripts.COMPARE_AND_DELETE.sha)).toEqual([0]);
    expect(await fair.unlock('o')).toBe(true);
    expect(await spin.tryLock('p', 100)).toBe(true);
    expect(await spin.unlock('p')).toBe(true);
    expect(spinLockScripts.COMPARE_AND_DELETE.loads + fairLockScripts.RELEASE.loads).toBe(before + 2);
  });
});

describe('in-process mutex', () => {
  it('hands over in FIFO order, lets a waiter time out, and ignores a non-owner release', async () => {
    const { InProcessMutex } = await import('../../../strategies/locks/inProcessMutex.js');
    const m = new InProcessMutex();
    expect(await m.tryLock('a', 0)).toBe(true);
    const order: string[] = [];
    const b = m.tryLock('b', 1000).then((ok) => ok && order.push('b'));
    const c = m.tryLock('c', 1000).then((ok) => ok && order.push('c'));
    expect(await m.tryLock('late', 50)).toBe(false);
    expect(await m.unlock('mallory')).toBe(false);
    expect(await m.unlock('a')).toBe(true);
    await b;
    expect(await m.unlock('b')).toBe(true);
    await c;
    expect(order).toEqual(['b', 'c']);
    expect(await m.unlock('c')).toBe(true);
  });
});
