/** The Server-Timing header (issue #10, part 2): written from nested phases, read from any service. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RequestLog } from '../src/load/recorder.js';
import { parseServerTiming, PhaseTimer } from '../src/serverTiming.js';

function parse(value: string | string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  parseServerTiming(value, (name, ms) => out.push([name, ms]));
  return out;
}

describe('Server-Timing', () => {
  it('reads dur from any entry, skips entries without one, and never throws on junk', () => {
    expect(parse('db;dur=53.2, cache;desc="Cache Read";dur=23.2, app;desc=x, total;dur=80')).toEqual([
      ['db', 53.2],
      ['cache', 23.2],
      ['total', 80],
    ]);
    expect(parse(['a;dur=1', 'b;DUR="2.5"'])).toEqual([
      ['a', 1],
      ['b', 2.5],
    ]);
    expect(parse(';;, x;dur=abc, y;dur=-1, ,')).toEqual([]);
  });

  it('times nested phases as exclusive time: the parts add up to the total', async () => {
    const timer = new PhaseTimer();
    await timer.time('pool', () => sleep(5));
    await timer.time('cs', async () => {
      await sleep(5);
      await timer.time('lock', () => sleep(20));
    });
    const phases = parse(timer.header());
    const byName = Object.fromEntries(phases);
    expect(phases.map(([n]) => n)).toEqual(['pool', 'lock', 'cs', 'total']);
    expect(byName.lock).toBeGreaterThanOrEqual(19);
    expect(byName.cs).toBeLessThan(byName.lock!); // the lock wait is not counted twice
    expect(byName.pool! + byName.lock! + byName.cs!).toBeLessThanOrEqual(byName.total! + 0.05);
  });

  it('keeps one column per phase in the request log, NaN where a response did not name it', () => {
    const log = new RequestLog();
    for (let i = 0; i < 3000; i++) {
      log.add({ sentAtMs: i, latencyMs: 2, status: 200, observation: 'issued', userId: 1, serverTiming: i % 2 ? 'lock;dur=1, total;dur=2' : undefined });
    }
    expect(log.timingPhases).toEqual(['lock', 'total']);
    expect(log.timing('lock', 1)).toBe(1);
    expect(log.timing('lock', 2)).toBeNaN();
    expect(log.timing('total', 2999)).toBe(2);
    expect(log.timing('nope', 1)).toBeNaN();
  });
});
