/**
 * What strategies survive is derived from two declarations (issue 25, part 3): the effects each
 * fault kind has (src/faults/*.ts) and the effects each strategy breaks under. Pinned here
 * against the lists that used to be written by hand, so the derivation changed no promise.
 */
import { describe, expect, it } from 'vitest';
import { getStrategy, STRATEGIES } from '../strategies/index.js';
import { strategySurvives, survivedUnder } from '../src/faults/capabilities.js';
import { FAULTS } from '../src/faults/index.js';
import { FAULT_KINDS, INSTANT_FAULTS } from '../src/faults/spec.js';

describe('fault capabilities', () => {
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

  it('every kind declares its effects, and the instants the flag parser knows are the kinds that declare themselves instant', () => {
    for (const kind of FAULT_KINDS) expect(FAULTS[kind].effects.length, kind).toBeGreaterThan(0);
    expect(FAULT_KINDS.filter((k) => FAULTS[k].instant).sort()).toEqual([...INSTANT_FAULTS].sort());
  });
});
