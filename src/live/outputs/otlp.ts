/**
 * `--out otlp=URL`: OpenTelemetry metrics over OTLP/HTTP (JSON) to a collector or any backend
 * that takes OTLP (URL .../v1/metrics), exported once a second by OpenTelemetry's own SDK. Names
 * follow OpenTelemetry's conventions (dotted, unit apart: `couponbench.http_reqs`, unit
 * `{request}`); a backend that stores them as Prometheus series adds `_total` and the unit.
 */
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LiveMetrics, METRICS, type MetricName } from '../metrics.js';
import type { LiveOutput, OutputProblem } from './types.js';

const EXPORT_EVERY_MS = 1_000;

export const otlpName = (metric: MetricName) => `couponbench.${metric}`;

export function otlpOutput(url: string, problem: OutputProblem): LiveOutput {
  const metrics = new LiveMetrics();
  const said = new Set<string>();
  setGlobalErrorHandler((err) => {
    const message = err instanceof Error ? err.message : String(err);
    if (said.has(message)) return;
    said.add(message);
    problem(`otlp ${url}: ${message}`);
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'couponbench' }),
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url, timeoutMillis: EXPORT_EVERY_MS }), exportIntervalMillis: EXPORT_EVERY_MS, exportTimeoutMillis: EXPORT_EVERY_MS })],
  });
  const meter = provider.getMeter('couponbench');
  for (const name of Object.keys(METRICS) as MetricName[]) {
    const m = METRICS[name];
    const options = { description: m.help, unit: m.unit };
    const instrument = m.kind === 'counter' ? meter.createObservableCounter(otlpName(name), options) : meter.createObservableGauge(otlpName(name), options);
    instrument.addCallback((result) => {
      for (const { run, points } of metrics.snapshot()) for (const p of points) if (p.metric === name) result.observe(p.value, { ...run, ...p.labels });
    });
  }
  return {
    update: (event) => metrics.update(event),
    async close() {
      await provider.forceFlush().catch(() => {});
      await provider.shutdown().catch(() => {});
    },
  };
}
