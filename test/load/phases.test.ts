/** Sale and sold-out phases (issue #10, part 1): the boundary is the last "issued" answer the clients saw before "sold out". */
import { describe, expect, it } from 'vitest';
import type { LoadRun } from '../../src/load/driver.js';
import { splitPhases } from '../../src/load/phases.js';
import { RequestLog } from '../../src/load/recorder.js';

function run(entries: Array<[sentAtMs: number, latencyMs: number, observation: string]>, durationMs: number): LoadRun {
  const log = new RequestLog();
  entries.forEach(([sentAtMs, latencyMs, observation], i) => log.add({ sentAtMs, latencyMs, status: observation === 'issued' ? 200 : 410, observation, userId: i + 1 }));
  return { startedAt: '', durationMs, log, vuSamples: [] };
}

describe('phases', () => {
  it('splits at the last issued answer when "sold out" follows it, with rates and percentiles per phase', () => {
    const p = splitPhases(
      run(
        [
          [0, 100, 'issued'],
          [500, 400, 'issued'],
          [950, 10, 'sold_out'],
          [1500, 2, 'sold_out'],
          [3000, 2, 'sold_out'],
        ],
        4000,
      ),
    );
    expect(p.soldOutAtS).toBe(0.9);
    expect(p.sale).toMatchObject({ startS: 0, requests: 2, issued: 2 });
    expect(p.sale.p95).toBeCloseTo(400, 0); // an HDR histogram: 3 significant digits
    expect(p.sale.issuedRate).toBeCloseTo(2 / 0.9, 5);
    expect(p.soldOut).toMatchObject({ requests: 3, issued: 0 });
    expect(p.soldOut!.p50).toBeCloseTo(2, 2);
    expect(p.soldOut!.rate).toBeCloseTo(3 / 3.1, 2);
  });

  it('is all sale when the run never sells out', () => {
    const p = splitPhases(run([[0, 10, 'issued'], [100, 10, 'lock_timeout']], 2000));
    expect(p).toMatchObject({ soldOutAtS: null, soldOut: null, sale: { requests: 2, issued: 1, endS: 2 } });
  });
});
