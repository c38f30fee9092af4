/**
 * What strategies survive is derived from two declarations (issue 25, part 3): the effects each
 * fault kind has (src/faults/*.ts) and the effects each strategy breaks under. Pinned here
 * against the lists that used to be written by hand, so the derivation changed no promise.
 */
import { describe, expect, it } from 'vitest';
import { getStrategy, STRATEGIES } from '../../strategies/index.js';
import { faultRefusal, strategySurvives, survivedUnder } from '../../src/faults/capabilities.js';
import { FAULTS } from '../../src/faults/index.js';
import { FAULT_KINDS, parseFaultFlag } from '../../src/faults/spec.js';

describe('fault capabilities', () => {
  it('every kind is registered once, in FAULTS, under its own name; what a spec may take is read from its declaration', () => {
    expect(FAULT_KINDS).toEqual(Object.keys(FAULTS));
    for (const kind of FAULT_KINDS) expect(FAULTS[kind].kind).toBe(kind);
    expect(parseFaultFlag('latency#redis=2s~1s@1s:3s')).toMatchObject({ kind: 'latency', link: 'redis', amount: 2, jitter: 1 });
    expect(() => parseFaultFlag('stall#mysql=2s@1s:3s')).toThrow(/amount stall takes no amount \(only latency does\)/);
    expect(() => parseFaultFlag('pause-holder#mysql@1s:3s')).toThrow(/link pause-holder acts on a process, not a link/);
    expect(() => parseFaultFlag('stall@1s:3s')).toThrow(/link stall acts on a link: name it \(mysql, postgres, redis\), e.g. stall#mysql/);
  });

  it('derives what each strategy survives from its declared weaknesses, as the hand-written lists said', () => {
    const lease = ['kill-instance', 'pause-redis'];
    const redisDecides = ['pause-holder', 'pause-instance', 'pause-redis', 'pause-mysql', 'slow-holder', 'latency', 'stall'];
    expect(strategySurvives(getStrategy('redis-spin'), false)).toEqual(lease);
    expect(strategySurvives(getStrategy('redis-pubsub'), false)).toEqual(lease);
    expect(strategySurvives(getStrategy('redis-pubsub'), true)).toEqual([...FAULT_KINDS]);
    expect(strategySurvives(getStrategy('redis-atomic'), false).sort()).toEqual([...redisDecides].sort());
    expect(strategySurvives(getStrategy('redis-pop'), false).sort()).toEqual([...redisDecides].sort());
    expect(strategySurvives(getStrategy('redis-stream'), false).sort()).toEqual([...redisDecides, 'kill-instance'].sort());
    expect(strategySurvives(getStrategy('mysql-pessimistic'), false)).toEqual([...FAULT_KINDS]);
    expect(strategySurvives(getStrategy('none'), false)).toEqual([]);
    // No built-in copies a list of kinds: each declares effects, so a new kind is judged by its own.
    expect(STRATEGIES.filter((s) => s.survives !== undefined).map((s) => s.name)).toEqual([]);
  });

  it('a strategy that breaks under nothing survives every kind; one that breaks under every effect survives none', () => {
    expect(survivedUnder([])).toEqual([...FAULT_KINDS]);
    expect(survivedUnder(['stalls-holder', 'kills-holder', 'empties-redis', 'cuts-connections', 'stalls-redis'])).toEqual([]);
  });

  it('every kind declares its effects', () => {
    for (const kind of FAULT_KINDS) expect(FAULTS[kind].effects.length, kind).toBeGreaterThan(0);
  });
});

describe('one function decides whether a fault may run (faultRefusal)', () => {
  const embedded = (database: 'mysql' | 'postgres', ownInfra?: boolean) => ({ system: { kind: 'embedded' as const, database }, instances: 2, lockHolder: true, links: [database, 'redis'] as const, ownInfra, serverHook: true });
  const service = { system: { kind: 'service' as const, started: false }, instances: 0, lockHolder: false, links: ['mysql'] as const, ownInfra: false, serverHook: false };

  it('asks each kind what it acts on, and each system what it offers', () => {
    expect(faultRefusal({ kind: 'latency', at: 1, duration: 1, link: 'mysql', amount: 1 }, embedded('mysql'))).toBeUndefined();
    // A window of 0 s is refused for the kinds that declare a window (issue 24, item 9); an instant takes none.
    expect(faultRefusal({ kind: 'latency', at: 1, duration: 0, link: 'mysql', amount: 1 }, embedded('mysql'))).toBe('latency lasts a while: give it a window above 0 s (latency@AT:DURATION)');
    expect(faultRefusal({ kind: 'kill-instance', at: 1, duration: 0 }, embedded('mysql'))).toBeUndefined();
    expect(faultRefusal({ kind: 'latency', at: 1, duration: 1, link: 'postgres', amount: 1 }, embedded('mysql'))).toBe('latency#postgres: the embedded server on mysql reaches mysql and redis only');
    expect(faultRefusal({ kind: 'pause-mysql', at: 1, duration: 1 }, embedded('postgres'))).toMatch(/^pause-mysql freezes the mysql server; a --db postgres run issues on postgres \(use latency#postgres/);
    expect(faultRefusal({ kind: 'pause-redis', at: 1, duration: 1 }, embedded('mysql', false))).toMatch(/needs databases this run starts itself/);
    expect(faultRefusal({ kind: 'pause-redis', at: 1, duration: 1 }, embedded('mysql', true))).toBeUndefined();
    expect(faultRefusal({ kind: 'kill-instance', at: 1, duration: 0, instance: 3 }, embedded('mysql'))).toBe('kill-instance: there is no server instance 3 (--instances 2)');
    expect(faultRefusal({ kind: 'stall', at: 1, duration: 1, link: 'mysql' }, service)).toBeUndefined();
    expect(faultRefusal({ kind: 'stall', at: 1, duration: 1, link: 'redis' }, service)).toMatch(/declares no links\.redis/);
    expect(faultRefusal({ kind: 'pause-instance', at: 1, duration: 1 }, service)).toMatch(/add a "service" section/);
    expect(faultRefusal({ kind: 'slow-holder', at: 1, duration: 1 }, service)).toMatch(/reaches into couponbench's own server/);
    expect(faultRefusal({ kind: 'pause-holder', at: 1, duration: 1 }, { ...service, instances: 2 })).toMatch(/^pause-holder needs service\.lockHolder/);
  });
});
