import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/load/latencyHistogram.js';
import { aggregateRows, comparisonRow } from '../../src/report/comparison.js';
import { writeReport } from '../../src/report/files.js';
import { gateReports } from '../../src/report/gate.js';
import { combineRepeats } from '../../src/report/repeats.js';
import { parseThreshold } from '../../src/report/thresholds.js';
import { fixtureReport } from '../fixtures/reports.js';
import { BIN } from '../helpers.js';

// Three runs of one configuration, 100 answers each: all at 10 ms, all at 12 ms, all at 100 ms.
// The median of their p95s is 12 ms; the p95 of the 300 answers together is 100 ms.
const runs = [10, 100, 12].map((ms, k) => fixtureReport({ strategy: 'mysql-atomic', id: `run${k}-0000`, createdAt: `2026-11-24T00:00:0${k}.000Z`, results: { issued: 100 }, latencyMs: () => ms }));

describe('latency histograms are kept HDR-encoded and merge (issue 17, part 3)', () => {
  it('decoding and adding encoded histograms gives the histogram of every value', () => {
    const a = LatencyHistogram.empty();
    const b = LatencyHistogram.empty();
    const both = LatencyHistogram.empty();
    for (let i = 0; i < 5000; i++) {
      const ms = 0.2 + ((i * 7919) % 3001) / 10;
      (i % 3 === 0 ? a : b).record(ms);
      both.record(ms);
    }
    const merged = LatencyHistogram.merged([a.encode(), b.encode()]);
    expect(merged.count).toBe(5000);
    for (const p of [50, 90, 95, 99, 99.9]) expect(merged.at(p)).toBe(both.at(p));
    expect(a.encode().length).toBeLessThan(4000); // compact: a report holds several
  });

  it('reports hold the histograms of the whole run and of the sale phase', () => {
    const load = runs[1]!.load;
    expect(LatencyHistogram.merged([load.latency.hdr!]).count).toBe(load.responses);
    expect(LatencyHistogram.merged([load.phases!.sale.hdr!]).at(95)).toBeCloseTo(100, 0);
  });

  it('a repeated row takes its percentiles from the merged histograms, never a median or mean of percentiles', () => {
    const rows = runs.map((r) => comparisonRow(r));
    expect(rows.map((r) => Math.round(r.throughput.p95))).toEqual([10, 100, 12]);
    const row = aggregateRows(rows);
    expect(row.throughput.p95).toBeCloseTo(100, 0);
    expect(row.throughput.p50).toBeCloseTo(12, 0);
    expect(row.throughput.max).toBeCloseTo(100, 0);
    expect(LatencyHistogram.merged([row.throughput.hdr!]).count).toBe(300);
  });

  it('the gate checks thresholds once on the runs combined, and integrity run by run', () => {
    const combined = combineRepeats(runs);
    expect(combined.load.requests).toBe(300);
    expect(combined.load.issued).toBe(300);
    expect(combined.load.latency.p95).toBeCloseTo(100, 0);
    const [result, ...rest] = gateReports(
      runs.map((report) => ({ report })),
      [parseThreshold('p95<50ms'), parseThreshold('p50<50ms')],
    );
    expect(rest).toEqual([]);
    expect(result!.runs).toBe(3);
    expect(result!.integrity).toBe('kept');
    expect(result!.thresholds.map((t) => [t.expression, t.ok])).toEqual([
      ['p95<50ms', false], // each run alone: 10, 100, 12 ms; a median of them would pass
      ['p50<50ms', true],
    ]);
    const broken = fixtureReport({ strategy: 'mysql-atomic', id: 'run3-0000', results: { issued: 100 }, lost: 3, latencyMs: () => 10 });
    const [judged] = gateReports([...runs, broken].map((report) => ({ report })), []);
    expect(judged!.integrity).toBe('violated');
    expect(judged!.message).toMatch(/^run 4 of 4: mysql-atomic promises integrity/);
    expect(judged!.passed).toBe(false);
  });

  it('`couponbench gate` over a folder of repeats prints the merged figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-repeats-'));
    for (const r of runs) await writeReport(r, undefined, dir);
    const r = await execa('node', [BIN, 'gate', dir, '--threshold', 'p95<50ms'], { reject: false });
    expect(r.stdout).toMatch(/✗ p95<50ms {2}\(actual 100\.\d\dms, 3 runs merged\)/);
    expect(r.stdout).toMatch(/gate FAILED: 3 of 3 report\(s\)/);
    expect(r.exitCode).toBe(99);
  });
});
