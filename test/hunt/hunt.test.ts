/**
 * The hunt's own logic (src/hunt/) on a system of the test's own making, so it is fast: the
 * space is read from the fault declarations, the search follows what made the system react, a
 * break is confirmed and shrunk to the smallest schedule that still breaks it, and a system that
 * never breaks is reported unbroken after covering every placement. The hunt of a real service
 * is tested end to end elsewhere.
 */
import { describe, expect, it } from 'vitest';
import type { FaultOffer } from '../../src/faults/capabilities.js';
import { describeTrial, hunt } from '../../src/hunt/index.js';
import { smaller } from '../../src/hunt/shrink.js';
import { huntSpace } from '../../src/hunt/space.js';
import type { Trial, TrialResult } from '../../src/hunt/types.js';
import type { RunEvent } from '../../src/timeline/events.js';

const embedded = (ownInfra: boolean): FaultOffer => ({ system: { kind: 'embedded', database: 'mysql' }, instances: 2, lockHolder: true, links: ['mysql', 'redis'], ownInfra, serverHook: true });
const load = { vus: 20, durationS: 8 };

/** A lease lock of 2 s: it breaks when the database link is slowed by 2.5 s or more for 2 s or more; slower links only slow it. */
function leaseLock(trial: Trial): TrialResult {
  const slow = trial.faults.filter((f) => f.kind === 'latency' && f.link === 'mysql');
  const worst = Math.max(0, ...slow.map((f) => f.amount ?? 0));
  const broke = slow.some((f) => (f.amount ?? 0) >= 2.5 && f.duration >= 2);
  return { broke, ...(broke ? { broken: '3 lost decrements' } : {}), lockBroken: broke || worst >= 2, slowdown: 1 + worst * 3, unknown: 0, failed: 0, notActed: false };
}

const never = (): TrialResult => ({ broke: false, lockBroken: false, slowdown: 1, unknown: 0, failed: 0, notActed: false });

/** Each try takes 10 s of a fake clock. */
function fakeClock() {
  let now = 0;
  return { clock: () => now, tick: () => (now += 10_000) };
}

describe('the hunt', () => {
  it('tries only what the system can take, as the fault declarations say', () => {
    const ours = huntSpace(embedded(true), load).placements.map((f) => `${f.kind}${f.link ? `#${f.link}` : f.instance ? `#${f.instance}` : ''}`);
    expect(ours).toEqual(expect.arrayContaining(['pause-holder', 'pause-instance#1', 'pause-instance#2', 'kill-instance#2', 'pause-mysql', 'latency#mysql', 'latency#redis', 'down#redis', 'slow-holder']));
    // Given databases are not ours to stop; a service that runs elsewhere offers its declared links only.
    expect(huntSpace(embedded(false), load).placements.map((f) => f.kind)).not.toContain('pause-mysql');
    const service: FaultOffer = { system: { kind: 'service', started: false }, instances: 0, lockHolder: false, links: ['mysql'], ownInfra: false, serverHook: false };
    expect(huntSpace(service, load).placements.map((f) => `${f.kind}#${f.link}`)).toEqual(['latency#mysql', 'stall#mysql', 'reset#mysql', 'down#mysql']);
  });

  it('finds a break no test named, confirms it, and shrinks it to a smaller schedule that still breaks it', async () => {
    const { clock, tick } = fakeClock();
    const events: RunEvent[] = [];
    let runs = 0;
    const result = await hunt({
      space: huntSpace(embedded(true), load),
      runner: async (t) => (runs++, tick(), leaseLock(t)),
      budgetMs: 30 * 60_000,
      seed: 7,
      // Enough tries to shrink to the end here; on a real system each is a run, and the default stops sooner.
      shrinkTries: 200,
      clock,
      onEvent: (e) => events.push(e),
    });
    expect(result.found, `no break in ${result.tries.length} tries`).toBeDefined();
    const { trial, confirmed, shrunk, steps, shrunkResult } = result.found!;
    // What explains the break is a run of the smallest schedule that broke, not of the first.
    expect(shrunkResult).toEqual(leaseLock(shrunk));
    expect(leaseLock(trial).broke).toBe(true);
    expect(confirmed).toEqual({ broke: 2, of: 2 });
    // Shrunk: it still breaks, it has no fault it does not need, and no change left would still break it.
    expect(leaseLock(shrunk).broke).toBe(true);
    expect(shrunk.faults).toHaveLength(1);
    expect(shrunk.faults[0]).toMatchObject({ kind: 'latency', link: 'mysql' });
    expect(shrunk.faults[0]!.amount).toBeLessThanOrEqual(Math.max(...trial.faults.filter((f) => f.kind === 'latency' && f.link === 'mysql').map((f) => f.amount!)));
    for (const candidate of smaller(shrunk)) expect(leaseLock(candidate.trial).broke, candidate.change).toBe(false);
    expect(steps.filter((s) => s.broke).length).toBeGreaterThan(0);
    // Every try, the confirmation and each step was said as it happened.
    expect(events.filter((e) => e.type === 'hunt-try')).toHaveLength(result.tries.length);
    expect(events.filter((e) => e.type === 'hunt-shrink')).toHaveLength(steps.length);
    // The smallest was confirmed as the first was, and its confirmation is what is reported.
    expect(result.found!.shrunkConfirmed).toEqual({ broke: 2, of: 2 });
    expect(runs).toBe(result.tries.length + 1 + steps.length + 2);
  });

  it('does not hand back a smaller schedule that broke it only once: it falls back to one that breaks again', async () => {
    const { clock, tick } = fakeClock();
    const seen = new Set<string>();
    let first: string | undefined;
    // The first schedule that breaks always breaks; any smaller one breaks the first time it runs, never again.
    const flaky = (t: Trial): TrialResult => {
      const key = describeTrial(t);
      const r = leaseLock(t);
      if (!r.broke) return r;
      first ??= key;
      if (key === first) return r;
      const again = seen.has(key);
      seen.add(key);
      return again ? { ...r, broke: false } : r;
    };
    const events: RunEvent[] = [];
    const result = await hunt({ space: huntSpace(embedded(true), load), runner: async (t) => (tick(), flaky(t)), budgetMs: 30 * 60_000, seed: 7, shrinkTries: 200, clock, onEvent: (e) => events.push(e) });
    const found = result.found!;
    expect(found.steps.filter((s) => s.broke).length).toBeGreaterThan(0);
    expect(describeTrial(found.shrunk)).toBe(describeTrial(found.trial));
    expect(found.shrunkConfirmed).toEqual({ broke: 2, of: 2 });
    expect(events.filter((e) => e.type === 'hunt-confirmed' && e.smallest).map((e) => (e as { broke: number }).broke)).toEqual([0, 0, 0].slice(0, Math.min(3, found.steps.filter((s) => s.broke).length)));
  });

  it('reports a system that never breaks unbroken, after covering every placement, within its budget', async () => {
    const { clock, tick } = fakeClock();
    const space = huntSpace(embedded(true), load);
    const result = await hunt({ space, runner: async () => (tick(), never()), budgetMs: 5 * 60_000, seed: 1, clock });
    expect(result.found).toBeUndefined();
    expect(result.tries).toHaveLength(30);
    const covered = new Set(result.tries.map((t) => `${t.trial.faults[0]!.kind}${t.trial.faults[0]!.link ?? t.trial.faults[0]!.instance ?? ''}`));
    expect(covered.size).toBe(space.placements.length);
    // Every window lies inside the load.
    for (const { trial } of result.tries) for (const f of trial.faults) expect(f.at + f.duration).toBeLessThanOrEqual(load.durationS);
  });

  it('is the same hunt for the same seed', async () => {
    const schedules = async (seed: number) => {
      const { clock, tick } = fakeClock();
      const r = await hunt({ space: huntSpace(embedded(true), load), runner: async (t) => (tick(), leaseLock(t)), budgetMs: 40 * 10_000, seed, clock });
      return r.tries.map((t) => describeTrial(t.trial));
    };
    expect(await schedules(3)).toEqual(await schedules(3));
    expect(await schedules(3)).not.toEqual(await schedules(4));
  });
});
