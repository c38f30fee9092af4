/**
 * `couponbench hunt` end to end, on the shop fixture started from its target file: the shop whose
 * Redis lock (a 500 ms lease) is released with an unconditional DEL is found broken with no fault
 * named by the test, and the schedule it saves breaks it again when replayed; the correct shop
 * (one conditional UPDATE) is searched for the same budget and not reported broken. The witness
 * of the replayed break names users whose decrement really was lost (read from the shop's orders),
 * or, for a break by a killed instance, users holding an order whose request got no answer.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import type { Report } from '../../src/report/schema.js';
import { packageRoot } from '../../src/paths.js';
import { metricsOf, pointAttribute, pointValue, startOtlpReceiver } from '../fixtures/otlpReceiver.js';
import { startedShop, writeTarget } from '../fixtures/shop.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const dir = mkdtempSync(join(tmpdir(), 'cb-hunt-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
const LOAD = ['--quantity', '200', '--vus', '20', '--duration', '3s', '--think-time', '5ms', '--user-pool', '100000', '--no-one-per-user'];

describe('couponbench hunt on a started service', () => {
  it('finds the break in the unconditional-release lock without being told, and its saved schedule breaks it again', async () => {
    const file = writeTarget(dir, 'buggy.yaml', await startedShop('hunt-buggy', 'redis-lock', 'hunt_buggy'));
    // No schedule is named. kill-instance is left out: it breaks this shop too (an instance killed
    // between its order and its stock write), but too rarely to replay here; CI once found it.
    const r = await cli(['hunt', '--target', file, ...LOAD, '--budget', '30s', '--faults', 'pause-holder,pause-instance,latency', '--seed', '1', '--out', join(dir, 'found.json')]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^BROKEN after \d+ tries in [\d.]+ min: .+: .*lost decrements.* \(broke in [12] of 2 runs\)$/m);
    expect(r.stdout).toMatch(/^shrunk in \d+ tries \(\d+ kept.*\) to: .+ \(broke in [12] of 2 runs\)$/m);
    expect(r.stderr).toMatch(/^hunt: try 1: /m);
    expect(existsSync(join(dir, 'found.json'))).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'found.json'), 'utf8')) as { faults: unknown[] };
    expect(saved.faults.length).toBeGreaterThan(0);
    // Explained by a witness: a window of answers (a lock held past its lease), or, where the answers
    // fit the stock's fall (an instance killed after writing), the holders whose requests got no answer.
    expect(r.stdout).toMatch(/^witness \(lost decrements\): (between [\d.]+ s and [\d.]+ s the stock went from \d+ to \d+, yet \d+ users? (was|were) told "issued"|[\d,]+ records were written while the stock fell by [\d,]+)/m);
    // Replayed as the reproducer says (the gate fails it); a break that came in 1 of 2 may need a second run.
    const replay = () => cli(['run', '--target', file, '--scenario', join(dir, 'found.json'), '--gate', '--json']);
    let replayed = await replay();
    if (replayed.exitCode !== 1) replayed = await replay();
    expect(replayed.exitCode, replayed.stderr).toBe(1);
    expect(replayed.stderr).toMatch(/✗ hunt-buggy: hunt-buggy promises integrity .* but broke it/);
    // The witness names users who really lost a decrement: their order wrote back a stock value another order wrote too.
    const report = JSON.parse(replayed.stdout) as Report;
    const witness = report.witnesses.find((w) => w.kind === 'lost-decrements' || w.kind === 'unanswered-records');
    const url = new URL(inject('mysqlUrl'));
    url.pathname = '/hunt_buggy';
    const conn = await mysql.createConnection(url.toString());
    try {
      if (witness?.kind === 'lost-decrements') {
        expect(witness.missing).toBeGreaterThan(0);
        const named = witness.requests.map((q) => q.user);
        const [rows] = await conn.query<RowDataPacket[]>(
          "SELECT customer FROM orders WHERE sku = 'SKU-1' AND stock_after IN (SELECT stock_after FROM orders WHERE sku = 'SKU-1' GROUP BY stock_after HAVING COUNT(*) > 1)",
        );
        const overwritten = new Set(rows.map((row) => Number(row['customer'])));
        expect(named.filter((u) => overwritten.has(u)), `named ${named.join(', ')}; orders sharing a stock value: ${[...overwritten].join(', ')}`).not.toHaveLength(0);
      } else if (witness?.kind === 'unanswered-records') {
        expect(witness.records).toBeGreaterThan(witness.told);
        const named = witness.users.map((u) => u.user);
        expect(named).not.toHaveLength(0);
        expect(witness.users.every((u) => u.requests.some((q) => ['conn_error', 'timeout', 'interrupted'].includes(q.observation)))).toBe(true);
        const [rows] = await conn.query<RowDataPacket[]>("SELECT customer FROM orders WHERE sku = 'SKU-1'");
        const holders = new Set(rows.map((row) => Number(row['customer'])));
        expect(named.every((u) => holders.has(u)), `named ${named.join(', ')}`).toBe(true);
      } else {
        throw new Error(`no witness of the lost decrements: ${JSON.stringify(report.witnesses)}`);
      }
    } finally {
      await conn.end();
    }
  });

  it('reports the correct shop unbroken after the same budget, in the table of matrix --hunt', async () => {
    const file = writeTarget(dir, 'correct.yaml', await startedShop('hunt-correct', 'correct', 'hunt_correct'));
    // Watched live (issue 28): every try is a run of its own in the metrics, each with its verdict.
    const otlp = await startOtlpReceiver();
    try {
      const r = await cli(['matrix', '--hunt', '--targets', file, ...LOAD, '--budget', '30s', '--seed', '1', '--out', `otlp=${otlp.url}`]);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      const tries = Number(/^unbroken after (\d+) tries in [\d.]+ min: /m.exec(r.stdout)?.[1]);
      expect(r.stdout).toMatch(/│ hunt-correct\s+│ unbroken\s+│ after \d+ tries: /);
      expect(existsSync(join(dir, 'hunt-hunt-correct.json'))).toBe(false);
      const verdicts = metricsOf(await otlp.received()).filter((m) => m.name === 'couponbench.audit_pass').at(-1)!.gauge!.dataPoints;
      expect(new Set(verdicts.map((p) => pointAttribute(p, 'run_id'))).size).toBeGreaterThanOrEqual(tries);
      expect(verdicts.every((p) => pointAttribute(p, 'system') === 'hunt-correct' && pointValue(p) === 1)).toBe(true);
    } finally {
      await otlp.stop();
    }
  });
});
