/** The per-second sample every live watcher reads: counted once from the log's new entries. */
import { describe, expect, it } from 'vitest';
import { liveSampler } from '../../src/live/sample.js';
import { RequestLog } from '../../src/load/recorder.js';

const add = (log: RequestLog, observation: string, latencyMs: number, status = 200) => log.add({ sentAtMs: 0, latencyMs, status, observation, userId: 1 });

describe('liveSampler', () => {
  it('counts answers by observation so far, by class per second since the last tick, and the latency of those only', () => {
    const log = new RequestLog();
    let stock: number | null = null;
    const sample = liveSampler(() => stock);
    for (let i = 0; i < 10; i++) add(log, 'issued', 10);
    add(log, 'sold_out', 1000, 410);
    add(log, 'timeout', 0, 0);
    const first = sample({ elapsedS: 2, totalS: 10, vus: 7, log });
    expect(first).toMatchObject({ atS: 2, totalS: 10, vus: 7, issued: 10, stockLeft: null, requests: { issued: 10, sold_out: 1, timeout: 1 } });
    expect(first.rate).toEqual({ success: 5, refusal: 0.5, failure: 0, unknown: 0.5 });
    // A timeout has no latency: the 11 answers with a status are measured.
    expect(first.latencyMs.p50).toBeCloseTo(10, 1);
    expect(first.latencyMs.p99).toBeCloseTo(1000, 0);

    stock = 90;
    add(log, 'failed:deadlock', 5, 500);
    const second = sample({ elapsedS: 3, totalS: 10, vus: 7, log });
    expect(second).toMatchObject({ issued: 10, stockLeft: 90, requests: { issued: 10, sold_out: 1, timeout: 1, 'failed:deadlock': 1 } });
    expect(second.rate).toEqual({ success: 0, refusal: 0, failure: 1, unknown: 0 });
    expect(second.latencyMs).toEqual({ p50: expect.closeTo(5, 1), p95: expect.closeTo(5, 1), p99: expect.closeTo(5, 1) });
    // Earlier samples are not changed by later ticks (the dashboard keeps them).
    expect(first.requests).toEqual({ issued: 10, sold_out: 1, timeout: 1 });

    const quiet = sample({ elapsedS: 4, totalS: 10, vus: 0, log });
    expect(quiet.latencyMs).toEqual({ p50: 0, p95: 0, p99: 0 });
  });
});
