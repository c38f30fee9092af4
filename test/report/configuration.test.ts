/**
 * A run's configuration (issue 25, parts 1 and 2): runs of one strategy with different settings
 * are different rows, labelled by what differs; repeats merge only within one configuration; runs
 * of different loads are refused with one line per difference. On fixture reports (no database).
 */
import { describe, expect, it } from 'vitest';
import { renderComparison } from '../../src/commands/output.js';
import { latestPerKey } from '../../src/report/comparison.js';
import { assertSameLoad, configurationKey, knobSettings } from '../../src/report/configuration.js';
import { gateReports } from '../../src/report/gate.js';
import type { Report } from '../../src/report/schema.js';
import { fixtureReport } from '../fixtures/reports.js';

function spin(id: string, change: (r: Report) => void = () => {}): Report {
  const r = fixtureReport({ strategy: 'redis-spin', id, results: { issued: 40, sold_out: 20 }, createdAt: `2026-11-24T00:00:0${id.length % 10}.000Z` });
  change(r);
  return r;
}

const lease = (ms: number) => (r: Report) => (r.config.options.lockLeaseMs = ms);

describe('a run configuration', () => {
  it('tells two leases apart: two rows, each labelled by its lease, repeats merged only within one', () => {
    const reports = [spin('a', lease(1000)), spin('bb', lease(1000)), spin('ccc', lease(30_000))];
    expect(configurationKey(reports[0]!)).toBe(configurationKey(reports[1]!));
    expect(configurationKey(reports[0]!)).not.toBe(configurationKey(reports[2]!));
    const json = JSON.parse(renderComparison(reports.map((report) => ({ report, file: `${report.id}.json` })), 'json')) as { rows: Array<{ key: string; runs: unknown[] }> };
    expect(json.rows.map((r) => [r.key, r.runs.length])).toEqual([
      ['redis-spin lease 1s', 2],
      ['redis-spin lease 30s', 1],
    ]);
    expect(gateReports(reports.map((report) => ({ report })), []).map((g) => g.runs ?? 1)).toEqual([2, 1]);
    expect(latestPerKey(reports.map((report) => ({ report }))).map((r) => r.report.id).sort()).toEqual(['ccc', 'bb'].sort());
  });

  it('tells two databases apart, and says only the settings that differ', () => {
    const mysql = spin('m');
    const postgres = spin('p', (r) => {
      r.config.db = 'postgres';
      r.environment.database = 'PostgreSQL 15.20';
    });
    const json = JSON.parse(renderComparison([mysql, postgres].map((report) => ({ report, file: `${report.id}.json` })), 'json')) as { rows: Array<{ key: string; settings: Record<string, string> }> };
    expect(json.rows.map((r) => r.key).sort()).toEqual([`redis-spin database ${mysql.environment.database}`, 'redis-spin database PostgreSQL 15.20'].sort());
    // Each row carries what it ran with; the table prints them as a section of their own.
    expect(json.rows.find((r) => r.key.includes('PostgreSQL'))!.settings).toMatchObject({ lease: '30s', 'lock wait': '10s', database: 'PostgreSQL 15.20', instances: '2' });
    const markdown = renderComparison([mysql, postgres].map((report) => ({ report, file: `${report.id}.json` })), 'markdown');
    expect(markdown).toContain('| redis-spin database PostgreSQL 15.20 | 10 | 30s | 10s | 100ms | PostgreSQL 15.20 | 2 | auto |');
  });

  it('refuses runs of different loads, one line per difference', () => {
    const small = spin('s');
    const big = spin('b', (r) => {
      r.config.scenario.quantity = 5000;
      r.config.scenario.thinkTime = 0;
    });
    expect(() => assertSameLoad([small, big].map((r) => r))).toThrow(
      'these reports were made under different loads; compare runs of one load at a time:\n  quantity: 1,000 in 1 report, 5,000 in 1 report\n  think: 10ms in 1 report, 0ms in 1 report',
    );
  });

  it('prints the knobs a strategy reads, and none for one that reads none', () => {
    expect(knobSettings(spin('k', lease(1500)))).toEqual([
      ['lease', '1.5s'],
      ['lock wait', '10s'],
      ['retry every', '100ms'],
    ]);
    expect(knobSettings(fixtureReport({ strategy: 'mysql-atomic', results: { issued: 5 } }))).toEqual([]);
  });
});
