/**
 * The driver on several threads (issue 17, part 1; src/load/workers/): each worker drives its
 * share on its own connections, and the run is one run, as if one driver had made it: the merged
 * counts are the sum of the parts, the audit matches the database, faults land on the load's
 * clock, and the open model's rate is split exactly.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readReport } from '../../../src/report/files.js';
import { packageRoot } from '../../../src/paths.js';
import type { DriveRequest } from '../../../src/load/driver.js';
import { evenShare, shareOf } from '../../../src/load/workers/share.js';
import { runStrategy, scenario } from '../../helpers.js';

describe('shares of the load', () => {
  it('splits VUs as evenly as whole numbers allow and rates exactly, each worker with its own users and VU numbers', () => {
    expect([0, 1, 2].map((k) => evenShare(10, k, 3))).toEqual([4, 3, 3]);
    const req = { startVUs: 5, stages: [{ duration: 2, target: 7 }], thinkTime: 0, timeout: 1, gracefulStop: 1, userPool: 10, seed: 3 } as unknown as DriveRequest;
    const shares = [0, 1].map((k) => shareOf(req, { kind: 'embedded', baseUrl: 'http://127.0.0.1:1', path: '/x' }, k, 2));
    expect(shares.map((s) => s.startVUs)).toEqual([3, 2]);
    expect(shares.map((s) => s.stages[0]!.target)).toEqual([4, 3]);
    expect(shares.map((s) => [s.seed, s.vuOffset, s.vuStride])).toEqual([[3, 0, 2], [4, 1, 2]]);
    const open = shareOf({ ...req, arrival: { startRate: 3, timeUnit: 1, preAllocatedVUs: 3, maxVUs: 9 } }, { kind: 'embedded', baseUrl: 'http://127.0.0.1:1', path: '/x' }, 1, 2);
    expect(open.arrival).toMatchObject({ startRate: 1.5, preAllocatedVUs: 1, maxVUs: 4 });
    expect(open.stages[0]!.target).toBe(3.5);
  });
});

describe('a run on two driver threads', () => {
  it('is one run: requests are the sum of the workers, the audit holds, a fault lands on the load clock', async () => {
    const s = scenario({ quantity: 100_000, startVUs: 20, stages: [{ duration: 2.5, target: 20 }], thinkTime: 0.005, userPool: 100_000, timeout: 2, faults: [{ kind: 'pause-instance', at: 0.8, duration: 0.5 }] });
    const r = await runStrategy('mysql-atomic', s, { workers: 2 });
    const workers = r.load.workers!;
    expect(workers.map((w) => w.worker)).toEqual([1, 2]);
    expect(workers[0]!.requests).toBeGreaterThan(0);
    expect(workers[1]!.requests).toBeGreaterThan(0);
    expect(workers[0]!.requests + workers[1]!.requests).toBe(r.load.requests);
    // Each worker's thread used CPU of its own, and says how much per request.
    for (const w of workers) expect(w.cpuUsPerRequest).toBeGreaterThan(0);
    expect(r.series.reduce((n, p) => n + p.sent, 0)).toBe(r.load.requests);
    expect(r.load.peakVUs).toBe(20);
    expect(r.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(r.audit.rows).toBe(r.audit.clientIssued + r.audit.identity!.recovered);
    const [fault] = r.faults;
    expect(fault!.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
    expect(fault!.startS).toBeGreaterThanOrEqual(0.75);
    expect(fault!.startS).toBeLessThan(1.2);
    expect(fault!.livenessS).not.toBeNull();
  });

  it('splits an arrival rate exactly: 2 workers at half the rate each make the rate asked for', async () => {
    const s = scenario({ quantity: 100_000, userPool: 100_000, executor: 'constant-arrival-rate', startVUs: 0, stages: [{ duration: 2, target: 150 }], arrival: { startRate: 150, timeUnit: 1, preAllocatedVUs: 20, maxVUs: 100 } });
    const r = await runStrategy('mysql-atomic', s, { workers: 2 });
    expect(r.load.droppedIterations).toBe(0);
    // 150/s for 2 s: 300 iterations, each worker starting its own 75/s.
    expect(r.load.requests).toBeGreaterThanOrEqual(296);
    expect(r.load.requests).toBeLessThanOrEqual(302);
    for (const w of r.load.workers!) expect(Math.abs(w.requests - 150)).toBeLessThanOrEqual(3);
  });
});

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
/** couponbench under an open-files limit lower than its load needs (`ulimit -n` in the shell that starts it). */
const underLimit = (files: number, args: string[]) =>
  execa('sh', ['-c', `ulimit -n ${files} && exec node "$0" "$@"`, BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, timeout: 90_000, cwd: mkdtempSync(join(tmpdir(), 'cb-cwd-')) });

describe('a load with more sockets than one process may open', () => {
  it('goes to a driver process of its own: the run is one run and its audit holds', async () => {
    // 150 VUs and the server's side of each (accepted here) are 364 files with couponbench's own: over 300, so the driver's go to a process.
    const out = join(mkdtempSync(join(tmpdir(), 'cb-spread-')), 'r.json');
    const flags = ['--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!, '--database', 'cb_spread'];
    const r = await underLimit(300, ['run', '-s', 'mysql-atomic', '--vus', '150', '--duration', '2s', '--quantity', '100000', '--user-pool', '100000', '-q', '--out', out, ...flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(out);
    expect(report.load.workers!.map((w) => w.worker)).toEqual([1]);
    expect(report.load.workers![0]!.requests).toBe(report.load.requests);
    expect(report.load.peakVUs).toBe(150);
    expect(report.load.connErrors ?? {}).toEqual({});
    expect(report.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(report.audit.rows).toBe(report.audit.clientIssued + report.audit.identity!.recovered);
  });

  it('bench-driver spreads its VUs and its no-op server over processes, and counts the memory of all of them', async () => {
    // 400 VUs under 200 files: 136 sockets a process, 3 driver processes and 3 server processes.
    const r = await underLimit(200, ['bench-driver', '--memory', '--memory-vus', '400', '--memory-requests', '5000', '--duration', '4s', '--think-time', '200ms']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('400 VUs (think 0.2 s) on 3 driver processes, 3 no-op server processes');
    expect(r.stdout).toMatch(/load: {3}400 VUs connected, [\d,]+ req\/s at full VUs, .*, 0 connection errors;/);
    const [, driver, server, all] = /peak RSS: driver ([\d,]+) MB .*, no-op server ([\d,]+) MB, all ([\d,]+) MB/.exec(r.stdout)!.map((x) => Number(x.replace(/,/g, '')));
    // Seven Node processes: each holds tens of MB; all is at least the two groups' peaks' larger one.
    expect(driver).toBeGreaterThan(4 * 30);
    expect(server).toBeGreaterThan(3 * 20);
    expect(all).toBeGreaterThanOrEqual(Math.max(driver!, server!));
  });
});
