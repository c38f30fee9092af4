/**
 * A service couponbench starts from its target file (`service`, `links`), and link faults on it
 * (issue 16): the shop fixture with a Redis lock released by an unconditional DEL passes in fair
 * weather and breaks when its MySQL link is slower than its lease; the correct shop keeps
 * integrity under the same fault; the buggy shop breaks too when its lock holder is frozen
 * (pause-holder, found through service.lockHolder); the correct one survives a frozen and a
 * killed-and-restarted instance; kill -9 of couponbench leaves no service process behind.
 */
import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { readReport } from '../../src/report/files.js';
import { processesMarked } from '../fixtures/processes.js';
import { startedShop, writeTarget } from '../fixtures/shop.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const dir = mkdtempSync(join(tmpdir(), 'cb-service-'));
const cli = (args: string[], env: Record<string, string> = {}) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0', ...env }, cwd: dir });
const LOAD = ['--vus', '20', '--duration', '3s', '--think-time', '5ms', '--user-pool', '100000', '--no-one-per-user'];

/** Each round trip to MySQL 0.3 s slower each way for 2 s: three of them outlast the 0.5 s lease. */
const SLOW_MYSQL = ['--fault', 'latency#mysql=300ms@0.5s:2s'];

describe('a service couponbench starts, under link faults', () => {
  it('a Redis lock released with an unconditional DEL passes in fair weather and breaks behind a slow MySQL link', async () => {
    const file = writeTarget(dir, 'redis-lock.yaml', await startedShop('shop-redis-lock', 'redis-lock', 'shop_redis_lock'));
    const fair = await cli(['run', '--target', file, '--quantity', '200', ...LOAD, '--gate', '-q', '--out', join(dir, 'fair.json')]);
    expect(fair.exitCode, fair.stderr).toBe(0);
    const calm = await readReport(join(dir, 'fair.json'));
    expect(calm.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(calm.load.peakVUs).toBe(20);

    const slowed = await cli(['run', '--target', file, '--quantity', '200', ...LOAD, ...SLOW_MYSQL, '--gate', '-q', '--out', join(dir, 'slowed.json')]);
    expect(slowed.exitCode, slowed.stderr).toBe(1);
    // A target promises to survive every fault unless its file says otherwise (`survives`).
    expect(slowed.stderr).toMatch(/✗ shop-redis-lock: shop-redis-lock promises integrity at http:\/\/127\.0\.0\.1:\{port\} under latency#mysql but broke it: .*lost decrements/);
    const broken = await readReport(join(dir, 'slowed.json'));
    expect(broken.faults.map((f) => f.events.map((e) => e.type))).toEqual([['link-slowed', 'link-restored']]);
    expect(broken.audit.lostDecrements).toBeGreaterThan(0);
  });

  it('the correct shop (one conditional UPDATE) keeps integrity behind the same slow link', async () => {
    const file = writeTarget(dir, 'correct.yaml', { ...(await startedShop('shop-correct', 'correct', 'shop_started_correct')), survives: ['latency'] });
    const r = await cli(['run', '--target', file, '--quantity', '200', ...LOAD, ...SLOW_MYSQL, '--gate', '-q', '--out', join(dir, 'correct.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(join(dir, 'correct.json'));
    expect(report.config.survives).toEqual(['latency']);
    expect(report.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(report.faults[0]!.events[0]).toMatchObject({ type: 'link-slowed', link: 'mysql', seconds: 0.3 });
    // A started instance's CPU is its whole process group's (the shell's own is next to nothing).
    const shops = report.cpu!.components.filter((c) => c.name.startsWith('service#'));
    expect(shops).toHaveLength(2);
    for (const shop of shops) expect(shop.percent).toBeGreaterThan(1);
  });

  it('the Redis lock released with an unconditional DEL breaks when its holder is frozen past its lease (pause-holder)', async () => {
    // A freeze breaks the data when it lands between the holder's read and its write, so the
    // holder here checks for 20 ms in between, as services do, and is frozen three times.
    const shop = await startedShop('shop-holder', 'redis-lock', 'shop_redis_lock_holder');
    const file = writeTarget(dir, 'holder.yaml', { ...shop, service: { ...shop.service, env: { ...shop.service.env, SHOP_CHECK_MS: '20' } } });
    const FREEZE = ['--fault', 'pause-holder@0.3s:0.8s', '--fault', 'pause-holder@1.2s:0.8s', '--fault', 'pause-holder@2.1s:0.8s'];
    const r = await cli(['run', '--target', file, '--quantity', '100000', ...LOAD, ...FREEZE, '--gate', '-q', '--out', join(dir, 'holder.json')]);
    expect(r.exitCode, r.stderr).toBe(1);
    const report = await readReport(join(dir, 'holder.json'));
    for (const fault of report.faults) {
      const [paused, ...rest] = fault.events;
      expect(paused).toMatchObject({ type: 'paused', holding: 'GET lock:SKU-1' });
      expect(paused).not.toHaveProperty('fallback');
      // The 0.5 s lease ran out under the frozen holder and the other instance took the lock.
      expect(rest.map((e) => e.type)).toEqual(['lease-expired', 'second-holder', 'resumed']);
      expect(rest[1]).toMatchObject({ instance: paused!.type === 'paused' && paused.instance === 1 ? 2 : 1 });
    }
    expect(report.audit.verdict).toBe('fail');
    expect(report.audit.lostDecrements + report.audit.overIssue).toBeGreaterThan(0);
  });

  it('the correct shop keeps integrity with one instance frozen and another killed and started again', async () => {
    const mark = randomUUID();
    const file = writeTarget(dir, 'process-faults.yaml', await startedShop('shop-processes', 'correct', 'shop_process_faults'));
    const FAULTS = ['--fault', 'pause-instance#1@0.5s:1s', '--fault', 'kill-instance#2@1s:0.5s'];
    const r = await cli(['run', '--target', file, '--quantity', '100000', ...LOAD, ...FAULTS, '--timeout', '2s', '--gate', '-q', '--out', join(dir, 'processes.json')], { COUPONBENCH_TEST_MARK: mark });
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(join(dir, 'processes.json'));
    expect(report.audit).toMatchObject({ verdict: 'pass', violations: [] });
    const [pause, kill] = report.faults;
    expect(pause!.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
    expect(kill!.events.map((e) => e.type)).toEqual(['killed', 'restarted']);
    const [killed, restarted] = kill!.events;
    expect(killed).toMatchObject({ restarted: true });
    expect(restarted!.type === 'restarted' && killed!.type === 'killed' && restarted.pid !== killed.pid).toBe(true);
    // Instance 2 served again once restarted: a coupon was issued after the fault ended.
    expect(kill!.livenessS).not.toBeNull();
    expect(processesMarked(mark).filter((l) => /shop\.mjs/.test(l))).toEqual([]);
  });

  it('refuses process faults the service cannot take, before anything starts', async () => {
    const started = await startedShop('shop-refusals', 'correct', 'shop_refusals');
    const file = writeTarget(dir, 'refusals.yaml', started);
    const { lockHolder: _dropped, ...withoutHolder } = started.service;
    const noHolder = writeTarget(dir, 'no-holder.yaml', { ...started, service: withoutHolder });
    const { service: _none, links: _links, ...elsewhere } = started;
    const notStarted = writeTarget(dir, 'elsewhere.yaml', { ...elsewhere, request: { ...started.request, url: 'http://127.0.0.1:9/inventory/{couponId}/claim' } });
    const cases: Array<[string, string, RegExp]> = [
      [noHolder, 'pause-holder@1s:1s', /pause-holder needs service\.lockHolder/],
      [notStarted, 'pause-instance@1s:1s', /add a "service" section/],
      [file, 'kill-instance#3@1s', /there is no instance 3 \(service\.ports has 2\)/],
      [file, 'pause-mysql@1s:1s', /a service's databases are its own/],
      [file, 'slow-holder@1s:1s', /reaches into couponbench's own server/],
    ];
    for (const [target, fault, message] of cases) {
      const r = await cli(['run', '--target', target, '--fault', fault, '--duration', '2s']);
      expect(r.exitCode, fault).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('matrix --targets --faults runs each service under each fault it can take, and the gate holds each to its promise', async () => {
    const buggy = writeTarget(dir, 'm-buggy.yaml', await startedShop('m-buggy', 'redis-lock', 'shop_matrix_buggy'));
    const { lockHolder: _none, ...noHolder } = (await startedShop('m-correct', 'correct', 'shop_matrix_correct')).service;
    const correct = writeTarget(dir, 'm-correct.yaml', { ...(await startedShop('m-correct', 'correct', 'shop_matrix_correct')), service: noHolder });
    const reportsDir = join(dir, 'matrix-reports');
    const r = await cli(['matrix', '--targets', `${buggy},${correct}`, '--faults', 'latency#mysql,pause-holder', '--quantity', '100000', ...LOAD, '--duration', '2s', '--gate', '--format', 'json', '--reports-dir', reportsDir]);
    // The correct shop keeps no Redis lock to find: pause-holder is skipped for it, with a note.
    expect(r.stderr).toMatch(/matrix: skipping pause-holder for m-correct: pause-holder needs service\.lockHolder/);
    const rows = (JSON.parse(r.stdout) as { rows: Array<{ key: string; integrity: { verdict: string } }> }).rows;
    const verdicts = Object.fromEntries(rows.map((row) => [row.key, row.integrity.verdict]));
    expect(Object.keys(verdicts).sort()).toEqual(['m-buggy + latency#mysql', 'm-buggy + pause-holder', 'm-correct + latency#mysql']);
    expect(verdicts).toMatchObject({ 'm-buggy + latency#mysql': 'fail', 'm-correct + latency#mysql': 'pass' });
    // One pause may land outside the read-modify-write and leave the data whole; the lease still ran out under it.
    const reports = await Promise.all(readdirSync(reportsDir).map((f) => readReport(join(reportsDir, f))));
    const paused = reports.find((rep) => rep.faults[0]?.kind === 'pause-holder')!;
    expect(paused.faults[0]!.events.map((e) => e.type)).toEqual(['paused', 'lease-expired', 'second-holder', 'resumed']);
    // Each promises to survive every fault: the gate fails on the buggy shop's broken runs.
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/✗ m-buggy: m-buggy promises integrity at http:\/\/127\.0\.0\.1:\{port\} under latency#mysql but broke it/);
  });

  it('leaves no service process behind when couponbench is killed with SIGKILL', async () => {
    const mark = randomUUID();
    const logsBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('couponbench-service-'));
    const file = writeTarget(dir, 'killed.yaml', await startedShop('shop-killed', 'correct', 'shop_killed'));
    const child = cli(['run', '--target', file, '--quantity', '200', '--vus', '10', '--duration', '30s'], { COUPONBENCH_TEST_MARK: mark });
    let stderr = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()).includes('load: ') && resolve()));
    const shops = () => processesMarked(mark).filter((l) => /^\d+ node \S*shop\.mjs/.test(l));
    expect(shops()).toHaveLength(2);
    child.kill('SIGKILL');
    await child;
    const started = Date.now();
    while (shops().length > 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 100));
    expect(shops()).toEqual([]);
    // The guards remove the instances' log folder too, once the group is gone.
    const logsLeft = () => readdirSync(tmpdir()).filter((n) => n.startsWith('couponbench-service-') && logsBefore.every((b) => b !== n));
    while (logsLeft().length > 0 && Date.now() - started < 8000) await new Promise((r) => setTimeout(r, 100));
    expect(logsLeft()).toEqual([]);
  });
});
