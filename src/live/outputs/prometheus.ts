/**
 * `--out prometheus=URL`: Prometheus remote write 1.0 (as k6's experimental-prometheus-rw output),
 * a snappy-compressed protobuf WriteRequest POSTed once a second and at each fault change, to a
 * Prometheus started with --web.enable-remote-write-receiver (URL .../api/v1/write) or anything
 * that takes remote write (Mimir, Thanos receive, VictoriaMetrics).
 */
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import { LiveMetrics, METRICS, type MetricName } from '../metrics.js';
import { sendQueue } from './sendQueue.js';
import type { LiveOutput, OutputProblem } from './types.js';

/** prometheus/prompb's types.proto and remote.proto, the fields remote write 1.0 needs. */
const WriteRequest = protobuf.Root.fromJSON({
  nested: {
    WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
    TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
    Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
  },
}).lookupType('WriteRequest');

/** Prometheus's naming: a prefix, the base unit as a suffix, `_total` on counters. */
export function prometheusName(metric: MetricName): string {
  const m = METRICS[metric];
  return `couponbench_${metric}${m.unit === 's' ? '_seconds' : ''}${m.kind === 'counter' ? '_total' : ''}`;
}

/** The body sent: the WriteRequest for every run's latest values at `timestampMs` (labels sorted by name, as remote write requires), snappy-compressed. */
export function remoteWriteBody(metrics: LiveMetrics, timestampMs: number) {
  const timeseries = metrics.snapshot().flatMap(({ run, points }) =>
    points.map((p) => ({
      labels: Object.entries({ __name__: prometheusName(p.metric), ...run, ...p.labels })
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
      samples: [{ value: p.value, timestamp: timestampMs }],
    })),
  );
  return Buffer.from(compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
}

export function prometheusOutput(url: string, problem: OutputProblem): LiveOutput {
  const metrics = new LiveMetrics();
  const queue = sendQueue(async () => {
    const body = remoteWriteBody(metrics, Date.now());
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'couponbench' },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`${url} answered ${res.status}: ${(await res.text()).trim().slice(0, 200)}`);
  }, (message) => problem(`prometheus remote write: ${message}`));
  return {
    update(event) {
      metrics.update(event);
      if (event.type !== 'run-start') queue.push();
    },
    close: () => queue.drain(),
  };
}
