/**
 * `--out prometheus=URL` and `--out otlp=URL` (issue 28): one real run with a fault, sent to a real
 * Prometheus (remote write) and to an OTLP/HTTP receiver started as users start a collector;
 * what each holds afterwards is the report's figures, under the run's id.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../src/infra/ports.js';
import { readReport } from '../../../src/report/files.js';
import type { Report } from '../../../src/report/schema.js';
import { metricsOf, pointAttribute, pointValue, startOtlpReceiver, type OtlpExport, type OtlpPoint } from '../../fixtures/otlpReceiver.js';
import { startPrometheus, type PrometheusServer } from '../../fixtures/prometheus.js';
import { BIN } from '../../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-live-out-'));
const external = () => ['--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!, '--database', 'cbt_live_outputs'];

let prometheus: PrometheusServer;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let report: Report;
let received: OtlpExport[];

beforeAll(async () => {
  prometheus = await startPrometheus();
  receiver = await startOtlpReceiver();
  const out = join(dir, 'run.json');
  const r = await execa(
    'node',
    [BIN, 'run', '--strategy', 'redis-spin', '--vus', '20', '--duration', '5s', '--quantity', '100000', '--fault', 'pause-holder@1.5s:1.5s', '-q', '--out', out,
      '--out', `prometheus=${prometheus.writeUrl}`, '--out', `otlp=${receiver.url}`, ...external()],
    { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/warning/);
  expect(r.stderr).toContain(`output: prometheus ${prometheus.writeUrl}\noutput: otlp ${receiver.url}`);
  report = await readReport(out);
  received = await receiver.received();
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await receiver?.stop();
});

describe('--out prometheus=URL', () => {
  it("holds the run's figures under its run id, sent while it ran, not only at the end", async () => {
    const run = `run_id="${report.id}"`;
    const [issued] = await prometheus.query(`couponbench_issued{${run}}`);
    expect(issued!.metric).toMatchObject({ system: 'redis-spin', run_id: report.id });
    expect(issued!.value).toBe(report.load.issued);
    const byOutcome = await prometheus.query(`sum by (outcome) (couponbench_http_reqs_total{${run}})`);
    expect(Object.fromEntries(byOutcome.map((s) => [s.metric.outcome, s.value]))).toEqual(report.load.results);
    expect((await prometheus.query(`couponbench_stock_remaining{${run}}`))[0]!.value).toBe(report.audit.finalQuantity);
    expect((await prometheus.query(`couponbench_audit_pass{${run}}`))[0]!.value).toBe(1);
    // Pushed once a second as the run went: at least one sample per second of load.
    expect((await prometheus.query(`count_over_time(couponbench_issued{${run}}[10m])`))[0]!.value).toBeGreaterThanOrEqual(4);
    expect((await prometheus.query(`couponbench_http_req_duration_seconds{${run},quantile="0.95"}`)).length).toBe(1);
  });

  it('shows the fault at 1 while it was in effect and at 0 after, on the same clock', async () => {
    const run = `run_id="${report.id}",kind="pause-holder"`;
    expect((await prometheus.query(`max_over_time(couponbench_fault_active{${run}}[10m])`))[0]!.value).toBe(1);
    expect((await prometheus.query(`couponbench_fault_active{${run}}`))[0]!.value).toBe(0);
  });
});

describe('--out otlp=URL', () => {
  const metrics = () => metricsOf(received);
  const ofRun = (points: OtlpPoint[]) => points.filter((p) => p.attributes.some((a) => a.key === 'run_id' && a.value.stringValue === report.id));
  const value = pointValue;
  const attr = pointAttribute;

  it("sends OpenTelemetry metrics as JSON, from service couponbench, several times during the run", () => {
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received[0]!.contentType).toMatch(/application\/json/);
    expect(received[0]!.body.resourceMetrics[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'couponbench' } });
  });

  it("ends holding the report's figures: issued, answers by outcome (a monotonic cumulative sum), the stock", () => {
    const last = (name: string) => metrics().filter((m) => m.name === name).at(-1)!;
    const issued = ofRun(last('couponbench.issued').gauge!.dataPoints);
    expect(issued.map(value)).toEqual([report.load.issued]);
    const reqs = last('couponbench.http_reqs');
    expect(reqs.unit).toBe('{request}');
    expect(reqs.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 });
    expect(Object.fromEntries(ofRun(reqs.sum!.dataPoints).map((p) => [attr(p, 'outcome'), value(p)]))).toEqual(report.load.results);
    expect(ofRun(last('couponbench.stock_remaining').gauge!.dataPoints).map(value)).toEqual([report.audit.finalQuantity]);
    const faults = metrics().filter((m) => m.name === 'couponbench.fault_active').flatMap((m) => ofRun(m.gauge!.dataPoints));
    expect(faults.map(value)).toContain(1);
    expect(faults.map((p) => attr(p, 'kind'))).toContain('pause-holder');
  });
});

describe('a metrics server that is down', () => {
  it('never fails the run: each output warns once, with the reason, and the report is written', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const out = join(dir, 'down.json');
    const r = await execa(
      'node',
      [BIN, 'run', '--strategy', 'mysql-atomic', '--vus', '5', '--duration', '3s', '--quantity', '100', '-q', '--out', out,
        '--out', `prometheus=${closed}/api/v1/write`, '--out', `otlp=${closed}/v1/metrics`, ...external()],
      { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^warning: prometheus remote write: fetch failed \(connect ECONNREFUSED /);
    expect(warnings[1]).toMatch(/^warning: otlp http:\S+\/v1\/metrics: .*ECONNREFUSED/);
    expect((await readReport(out)).audit.verdict).toBe('pass');
  }, 60_000);
});
