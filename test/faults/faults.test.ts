/**
 * Faults (issue #9): the nemesis really pauses and kills processes while the load runs. What a
 * single run can prove for certain is asserted here: the fault hit the lock's holder, the lease
 * ran out under it and another instance got in; the fenced lock and the database locks keep
 * integrity through it; a Redis restart is caught by the reconciliation. How often a lease lock
 * breaks (9 of 10?) is a count, measured by `couponbench matrix --repeat 10`, not a test.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { describeFaultEvent, parseFaultFlag, type FaultEvent } from '../../src/faults/spec.js';
import { isAlive } from '../../src/infra/process.js';
import { packageRoot } from '../../src/paths.js';
import { gateReport } from '../../src/report/gate.js';
import { DEFAULT_STRATEGY_OPTIONS } from '../../strategies/index.js';
import { runStrategy, scenario } from '../helpers.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' } });
/** When an event happened (seconds into the load); NaN for events without a time. */
const atS = (e: FaultEvent | undefined) => (e && 'atS' in e ? e.atS : Number.NaN);
const shortLease = { options: { ...DEFAULT_STRATEGY_OPTIONS, lockLeaseMs: 300 } };
const underPause = (kind: 'pause-holder' | 'kill-instance', instance?: number) =>
  scenario({ quantity: 100_000, startVUs: 30, stages: [{ duration: 2.5, target: 30 }], thinkTime: 0.01, userPool: 100_000, timeout: 2, faults: [{ kind, at: 0.8, duration: kind === 'kill-instance' ? 0 : 1, ...(instance ? { instance } : {}) }] });

describe('fault syntax', () => {
  it('reads KIND@AT:DURATION, KIND#N@AT:DURATION and instants', () => {
    expect(parseFaultFlag('pause-holder@5s:3s')).toEqual({ kind: 'pause-holder', at: 5, duration: 3 });
    // Durations past a week would wrap Node's timers (issue 24, item 6); a 0 s window is refused by faultRefusal (test/faults/capabilities.test.ts).
    expect(() => parseFaultFlag('latency#mysql=999999999s@1s:2s')).toThrow(/longer than a week/);
    expect(parseFaultFlag('kill-instance#2@1m')).toEqual({ kind: 'kill-instance', at: 60, duration: 0, instance: 2 });
    expect(() => parseFaultFlag('pause-everything@1s:1s')).toThrow(/is not KIND@AT:DURATION: kind .*\(kinds: pause-holder, /);
  });

  it('refuses a bad --fault, or a process fault on databases it did not start, in one line before anything starts', async () => {
    const bad = await cli(['run', '-s', 'redis-spin', '--fault', 'pause-holder@soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const external = await cli(['run', '-s', 'redis-spin', '--fault', 'pause-redis@1s:1s', '--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!]);
    expect(external.exitCode).toBe(2);
    expect(external.stderr.trim()).toBe('couponbench: pause-redis stops MySQL or Redis processes: it needs databases this run starts itself (--infra local), not ones it was given');
  });
});

describe('the nemesis against real processes', () => {
  it('pause-holder freezes the process holding the Redis lock; its lease runs out and another instance gets in', async () => {
    const r = await runStrategy('redis-spin', underPause('pause-holder'), shortLease);
    const [fault] = r.faults;
    expect(fault).toMatchObject({ kind: 'pause-holder', target: expect.stringMatching(/^instance \d \(pid \d+\)$/) });
    const [paused] = fault!.events;
    expect(paused).toMatchObject({ type: 'paused', pid: expect.any(Number), holding: expect.stringMatching(/^couponbench:lock:\{coupon:\d+\}$/) });
    expect(describeFaultEvent(paused!)).toMatch(/^pid \d+ held couponbench:lock:\{coupon:\d+\} at \d\.\d\d s, paused$/);
    const expired = fault!.events.find((e) => e.type === 'lease-expired')!;
    expect(atS(expired)).toBeGreaterThan(atS(paused)); // the 300 ms lease ran out while its holder was frozen
    expect(atS(expired)).toBeLessThan(fault!.endS);
    expect(fault!.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'second-holder', instance: expect.any(Number) })]));
    expect(fault!.endS - fault!.startS).toBeGreaterThanOrEqual(0.99);
    expect(fault!.livenessS).not.toBeNull();
    // redis-spin does not claim to survive this: the gate wants the data broken, or at least the lock seen to fail (it was).
    expect(gateReport(r, [])).toMatchObject({ passed: true, integrity: expect.stringMatching(/^(violation-expected|lock-broken)$/), message: expect.stringMatching(/under pause-holder/) });
  });

  it('redis-spin-fenced keeps integrity through the same pause: the row refuses the stale holder', async () => {
    const r = await runStrategy('redis-spin-fenced', underPause('pause-holder'), shortLease);
    expect(r.faults[0]!.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'second-holder' })]));
    expect(r.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(r.audit.rows).toBeGreaterThan(0);
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('--fencing gives redis-pubsub a token the row checks: it then claims, and keeps, integrity under the pause', async () => {
    const r = await runStrategy('redis-pubsub', underPause('pause-holder'), { options: { ...shortLease.options, fencing: true } });
    expect(r.config.survives).toContain('pause-holder');
    expect(r.faults[0]!.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'lease-expired' })]));
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('mysql-atomic has no lock to find: the instance is paused anyway, and integrity holds', async () => {
    const r = await runStrategy('mysql-atomic', underPause('pause-holder'));
    expect(r.faults[0]!.events[0]).toMatchObject({ type: 'paused', instance: 1, fallback: 'no-lock-of-its-own' });
    expect(describeFaultEvent(r.faults[0]!.events[0]!)).toMatch(/^this strategy keeps no lock of its own: paused instance 1 anyway at 0\.\d\d s$/);
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('kill-instance kills one instance for good; mysql-pessimistic keeps integrity and the other instance serves on', async () => {
    const r = await runStrategy('mysql-pessimistic', underPause('kill-instance', 2));
    const pid = Number(/pid (\d+)/.exec(r.faults[0]!.target)![1]);
    expect(isAlive(pid)).toBe(false);
    expect(r.faults[0]!.livenessS).not.toBeNull();
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('kill-instance with a duration starts the instance again, as a new process, that long after', async () => {
    const base = underPause('kill-instance', 2);
    const r = await runStrategy('mysql-atomic', { ...base, faults: [{ ...base.faults[0]!, duration: 0.4 }] });
    const [killed, restarted] = r.faults[0]!.events;
    expect(killed).toMatchObject({ type: 'killed', restarted: true });
    expect(restarted).toMatchObject({ type: 'restarted', pid: expect.any(Number) });
    expect(atS(restarted) - atS(killed)).toBeGreaterThanOrEqual(0.4);
    expect(restarted!.type === 'restarted' && killed!.type === 'killed' && restarted.pid !== killed.pid).toBe(true);
    expect(describeFaultEvent(restarted!)).toMatch(/^started again at \d\.\d\d s \(pid \d+\)$/);
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('restart-redis empties Redis under redis-atomic; the Redis reconciliation catches it (local infra)', async () => {
    const r = await cli(['run', '-s', 'redis-atomic', '--fault', 'restart-redis@1s', '--vus', '30', '--duration', '3s', '--quantity', '100000', '--user-pool', '100000', '--think-time', '10ms', '--infra', 'local', '--gate', '-q', '--json']);
    expect(r.exitCode, r.stderr).toBe(0); // the gate expects a violation under a fault redis-atomic does not survive
    expect(r.stderr).toMatch(/✓ redis-atomic: redis-atomic promises no integrity on 2 instances under restart-redis, and the race was reproduced: Redis stock reads nothing, database [\d,]+/);
    const report = JSON.parse(r.stdout) as { faults: Array<{ events: FaultEvent[] }> };
    const [killed, restarted] = report.faults[0]!.events;
    expect(killed).toMatchObject({ type: 'killed', restarted: true });
    expect(restarted).toMatchObject({ type: 'restarted', empty: true });
    expect(atS(restarted)).toBeGreaterThanOrEqual(atS(killed));
    expect(report.faults[0]!.events.map(describeFaultEvent)).toEqual([expect.stringMatching(/^killed pid \d+ at 1\.\d\d s$/), expect.stringMatching(/^started again empty at .* \(pid \d+\)$/)]);
  });
});
