import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { packageRoot } from '../src/paths.js';
import { assertComparable, collectReports, comparisonRow } from '../src/report/compare.js';
import { renderComparison } from '../src/report/compareTables.js';
import { writeReport } from '../src/report/files.js';
import { gateExitCode, gateReport } from '../src/report/gate.js';
import type { Report } from '../src/report/schema.js';
import { parseThreshold } from '../src/report/thresholds.js';
import { runStrategy, scenario } from './helpers.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const dir = mkdtempSync(join(tmpdir(), 'cb-gate-'));
let raced: Report;
let hidden: Report;
let atomic: Report;
const files: Record<string, string> = {};

beforeAll(async () => {
  raced = await runStrategy('none', scenario({ stages: [{ duration: 2, target: 40 }] }));
  // One virtual user can never race itself: the naive path looks correct.
  hidden = await runStrategy('none', scenario({ name: 'single-vu', startVUs: 1, stages: [{ duration: 2, target: 1 }] }));
  atomic = await runStrategy('mysql-atomic', scenario({ stages: [{ duration: 2, target: 40 }] }));
  files.raced = await writeReport(raced, join(dir, 'none.json'));
  files.hidden = await writeReport(hidden, join(dir, 'hidden', 'none-single-vu.json'));
  files.atomic = await writeReport(atomic, join(dir, 'atomic.json'));
});

describe('thresholds', () => {
  it('parse k6-style expressions with units', () => {
    expect(parseThreshold('p95<500ms')).toMatchObject({ metric: 'p95', op: '<', value: 500 });
    expect(parseThreshold('p99 <= 2s')).toMatchObject({ metric: 'p99', op: '<=', value: 2000 });
    expect(parseThreshold('failed<1%')).toMatchObject({ metric: 'failed', value: 1 });
    expect(parseThreshold('issued_rate>800')).toMatchObject({ metric: 'issued_rate', op: '>', value: 800 });
    expect(() => parseThreshold('p95 fast')).toThrow(UsageError);
    expect(() => parseThreshold('speed<3')).toThrow(/unknown metric "speed"/);
    expect(() => parseThreshold('failed<3ms')).toThrow(/measured in %/);
  });
});

describe('integrity gate', () => {
  it('passes a strategy that promises no integrity when the race is reproduced', () => {
    const g = gateReport(raced, []);
    expect(g.integrity).toBe('violation-expected');
    expect(g.passed).toBe(true);
  });

  it('fails, saying so, when the race is hidden (a single virtual user)', () => {
    expect(hidden.audit.verdict).toBe('pass');
    const g = gateReport(hidden, []);
    expect(g.integrity).toBe('race-not-reproduced');
    expect(g.passed).toBe(false);
    expect(g.message).toMatch(/^the race was not reproduced: none promises no integrity/);
    expect(gateExitCode([g])).toBe(1);
  });

  it('keeps a promising strategy to its promise and applies thresholds with their own exit code', () => {
    expect(gateReport(atomic, []).integrity).toBe('kept');
    const ok = gateReport(atomic, [parseThreshold('failed<1%'), parseThreshold('issued>10')]);
    expect(ok.passed).toBe(true);
    const slow = gateReport(atomic, [parseThreshold('p95<0.001ms')]);
    expect(slow.passed).toBe(false);
    expect(gateExitCode([slow])).toBe(99);
    expect(gateExitCode([slow, gateReport(hidden, [])])).toBe(1);
  });

  it('couponbench gate prints the verdicts and exits by them', async () => {
    const good = await execa('node', [BIN, 'gate', files.raced!, files.atomic!, '--threshold', 'failed<100%'], { reject: false, env: { FORCE_COLOR: '0' } });
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/gate passed: 2 report/);
    const bad = await execa('node', [BIN, 'gate', files.hidden!], { reject: false, env: { FORCE_COLOR: '0' } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/the race was not reproduced/);
  });
});

describe('compare', () => {
  it('puts reports of one scenario side by side, in table, markdown and json', async () => {
    const reports = await collectReports([files.raced!, files.atomic!]);
    const rows = reports.map((r) => comparisonRow(r.report, r.file));
    expect(rows.map((r) => r.integrity.verdict)).toEqual(['fail', 'pass']);
    expect(rows[0]!.failures.deadlock).toBeGreaterThan(0);
    const md = renderComparison(rows, 'test', 'markdown', rows[1]);
    expect(md).toContain('| strategy | promise | expected left | found | lost |');
    expect(md).toMatch(/\| none \| none \| [\d,-]+ \| [\d,]+ \| [1-9][\d,]* \|/);
    expect(md).toContain('Δ req/s');
    const json = JSON.parse(renderComparison(rows, 'test', 'json')) as { rows: unknown[] };
    expect(json.rows).toHaveLength(2);
  });

  it('refuses to mix scenarios', async () => {
    const reports = await collectReports([files.raced!, files.hidden!]);
    expect(() => assertComparable(reports)).toThrow(/different scenarios \(test, single-vu\)/);
    const r = await execa('node', [BIN, 'compare', files.raced!, files.hidden!], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^couponbench: reports are of different scenarios/);
  });
});

describe('matrix', () => {
  it('runs several strategies on one infra and gates them all', async () => {
    const reportsDir = mkdtempSync(join(tmpdir(), 'cb-matrix-'));
    const r = await execa(
      'node',
      [BIN, 'matrix', '--strategies', 'none,in-process,mysql-atomic', '--scenario', 'smoke', '--duration', '2s', '--repeat', '2', '--gate', '--format', 'markdown',
        '--reports-dir', reportsDir, '--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!, '--database', 'cb_matrix'],
      { reject: false, env: { FORCE_COLOR: '0' } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| in-process \| single-instance ×2 \|.*fail \(expected\)/);
    expect(r.stdout).toMatch(/\| mysql-atomic \| across-instances \|.*PASS/);
    expect(r.stdout).toMatch(/\| none \| [\d,]+ \(/); // req/s with its spread over 2 runs
    expect(r.stderr).toMatch(/gate passed: 6 report/);
    const compared = await execa('node', [BIN, 'compare', '--reports-dir', reportsDir, '--format', 'json'], { reject: false });
    expect(compared.exitCode).toBe(0);
    expect((JSON.parse(compared.stdout) as { rows: unknown[] }).rows).toHaveLength(3);
  });
});
