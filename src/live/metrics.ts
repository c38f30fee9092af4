/**
 * The metrics couponbench exports while it runs, registered once (as k6 registers its built-in
 * metrics): their names, kinds and meaning, and the state they are read from. Each exporter
 * (src/live/outputs/) spells the names its ecosystem's way; the values come from here.
 */
import type { FaultKind, LinkName } from '../faults/spec.js';
import type { LiveEvent } from '../timeline/events.js';

export const METRICS = {
  http_reqs: { kind: 'counter', unit: '{request}', help: 'answers so far by outcome (issued, sold_out, already_issued, lock_timeout, failed:..., timeout, ...)' },
  issued: { kind: 'gauge', unit: '{coupon}', help: 'coupons the clients were told issued so far' },
  stock_remaining: { kind: 'gauge', unit: '{coupon}', help: 'stock left, as last read on the system under test (read-only probe)' },
  vus: { kind: 'gauge', unit: '{vu}', help: 'virtual users running' },
  http_req_duration: { kind: 'gauge', unit: 's', help: 'latency of the last second of answers, at quantile 0.5, 0.95 and 0.99' },
  fault_active: { kind: 'gauge', unit: '1', help: '1 while a fault is in effect, by kind and link' },
  violations: { kind: 'gauge', unit: '{violation}', help: 'violations found while the load runs, at least this many by kind (lost-decrements, over-issue, negative-stock); the audit gives the final count' },
  audit_pass: { kind: 'gauge', unit: '1', help: "the run's audit verdict once it is made: 1 pass, 0 fail" },
} as const;
export type MetricName = keyof typeof METRICS;

/** One value of one metric: the labels besides the run's own (run_id, system, scenario). */
export interface Point {
  metric: MetricName;
  labels: Record<string, string>;
  value: number;
}

export interface RunLabels {
  run_id: string;
  system: string;
  scenario: string;
}

interface RunState {
  labels: RunLabels;
  points: Map<string, Point>;
  faults: Map<string, { kind: FaultKind; link?: LinkName; active: number }>;
}

/**
 * The latest value of every metric of every run seen, updated from the live events. A fault
 * that ended stays at 0 (so a graph shows it fall); a run stays until the process ends, as a
 * Prometheus target's series do.
 */
export class LiveMetrics {
  private readonly runs = new Map<string, RunState>();

  update(event: LiveEvent): void {
    if (event.type === 'run-start') {
      this.runs.set(event.runId, { labels: { run_id: event.runId, system: event.system, scenario: event.scenario }, points: new Map(), faults: new Map() });
      return;
    }
    const run = this.runs.get(event.runId);
    if (!run) return;
    const set = (metric: MetricName, value: number, labels: Record<string, string> = {}) =>
      run.points.set(`${metric}${JSON.stringify(labels)}`, { metric, labels, value });
    switch (event.type) {
      case 'sample': {
        const s = event.sample;
        for (const [outcome, n] of Object.entries(s.requests)) set('http_reqs', n, { outcome });
        set('issued', s.issued);
        if (s.stockLeft !== null) set('stock_remaining', s.stockLeft);
        set('vus', s.vus);
        set('http_req_duration', s.latencyMs.p50 / 1000, { quantile: '0.5' });
        set('http_req_duration', s.latencyMs.p95 / 1000, { quantile: '0.95' });
        set('http_req_duration', s.latencyMs.p99 / 1000, { quantile: '0.99' });
        break;
      }
      case 'fault-change':
        set('fault_active', event.active ? 1 : 0, { kind: event.kind, link: event.link ?? '' });
        break;
      case 'violation':
        set('violations', event.violation.atLeast, { kind: event.violation.kind });
        break;
      case 'run-end': {
        const r = event.report;
        set('issued', r.load.issued);
        set('stock_remaining', r.audit.finalQuantity);
        set('vus', 0);
        set('audit_pass', r.audit.verdict === 'pass' ? 1 : 0);
        for (const [outcome, n] of Object.entries(r.load.results)) set('http_reqs', n, { outcome });
        break;
      }
    }
  }

  /** Every run's points, each with its run's labels. */
  snapshot(): Array<{ run: RunLabels; points: Point[] }> {
    return [...this.runs.values()].map((r) => ({ run: r.labels, points: [...r.points.values()] }));
  }
}
