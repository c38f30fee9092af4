/**
 * The exported metrics: one registry, each ecosystem's spelling, and a remote-write body that a
 * Prometheus decodes (snappy, then the prompb WriteRequest; labels sorted by name).
 */
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { LiveMetrics, METRICS, type MetricName } from '../../src/live/metrics.js';
import { otlpName } from '../../src/live/outputs/otlp.js';
import { prometheusName, remoteWriteBody } from '../../src/live/outputs/prometheus.js';
import type { LiveSample } from '../../src/live/sample.js';

const sample = (over: Partial<LiveSample> = {}): LiveSample => ({
  atS: 1, totalS: 5, vus: 3, requests: { issued: 4, sold_out: 2 }, rate: { success: 4, refusal: 2, failure: 0, unknown: 0 },
  latencyMs: { p50: 2, p95: 8, p99: 9 }, issued: 4, stockLeft: 6, ...over,
});

// prometheus/prompb, written out independently of the exporter's own copy.
const decoder = protobuf.parse(`syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }`).root.lookupType('WriteRequest');

describe('live metrics', () => {
  it('are named the Prometheus way and the OpenTelemetry way from one registry', () => {
    const names = Object.keys(METRICS) as MetricName[];
    expect(names.map(prometheusName)).toEqual([
      'couponbench_http_reqs_total', 'couponbench_issued', 'couponbench_stock_remaining', 'couponbench_vus',
      'couponbench_http_req_duration_seconds', 'couponbench_fault_active', 'couponbench_violations', 'couponbench_audit_pass',
    ]);
    expect(names.map(otlpName)).toContain('couponbench.http_reqs');
  });

  it('keep the latest value per run and labels; a fault that ended stays at 0', () => {
    const m = new LiveMetrics();
    m.update({ type: 'sample', runId: 'unknown', sample: sample() });
    expect(m.snapshot()).toEqual([]);
    m.update({ type: 'run-start', runId: 'r1', system: 'redis-spin', scenario: 'smoke', quantity: 10, totalS: 5 });
    m.update({ type: 'sample', runId: 'r1', sample: sample() });
    m.update({ type: 'fault-change', runId: 'r1', kind: 'latency', link: 'mysql', target: 'mysql link', atS: 1, active: true });
    m.update({ type: 'sample', runId: 'r1', sample: sample({ issued: 6, requests: { issued: 6, sold_out: 3 }, stockLeft: null }) });
    m.update({ type: 'fault-change', runId: 'r1', kind: 'latency', link: 'mysql', target: 'mysql link', atS: 2, active: false });
    m.update({ type: 'violation', runId: 'r1', atS: 2, violation: { kind: 'over-issue', atLeast: 3, told: 13 } });
    const [run] = m.snapshot();
    expect(run!.run).toEqual({ run_id: 'r1', system: 'redis-spin', scenario: 'smoke' });
    const value = (metric: MetricName, labels: Record<string, string> = {}) => run!.points.find((p) => p.metric === metric && JSON.stringify(p.labels) === JSON.stringify(labels))?.value;
    expect(value('issued')).toBe(6);
    expect(value('http_reqs', { outcome: 'sold_out' })).toBe(3);
    // An unreadable stock keeps the last reading rather than a gap or a zero.
    expect(value('stock_remaining')).toBe(6);
    expect(value('fault_active', { kind: 'latency', link: 'mysql' })).toBe(0);
    expect(value('http_req_duration', { quantile: '0.95' })).toBe(0.008);
    expect(value('violations', { kind: 'over-issue' })).toBe(3);
  });

  it('go to Prometheus as a snappy-compressed WriteRequest, labels sorted by name, one sample per series at the push time', () => {
    const m = new LiveMetrics();
    m.update({ type: 'run-start', runId: 'r1', system: 'shop', scenario: 'smoke', quantity: 10, totalS: 5 });
    m.update({ type: 'sample', runId: 'r1', sample: sample() });
    const decoded = decoder.toObject(decoder.decode(uncompress(new Uint8Array(remoteWriteBody(m, 1_700_000_000_123)))), { longs: Number }) as {
      timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
    };
    const reqs = decoded.timeseries.find((t) => t.labels.some((l) => l.value === 'sold_out'))!;
    expect(reqs.labels).toEqual([
      { name: '__name__', value: 'couponbench_http_reqs_total' },
      { name: 'outcome', value: 'sold_out' },
      { name: 'run_id', value: 'r1' },
      { name: 'scenario', value: 'smoke' },
      { name: 'system', value: 'shop' },
    ]);
    expect(reqs.samples).toEqual([{ value: 2, timestamp: 1_700_000_000_123 }]);
    for (const t of decoded.timeseries) expect(t.labels.map((l) => l.name)).toEqual([...t.labels.map((l) => l.name)].sort());
  });
});
