/**
 * `couponbench bench-driver --memory`: the driver's memory at scale, as RSS sampled every 100 ms.
 * First for real: N VUs (10,000 by default) on their own keep-alive connections against the no-op
 * server. Then the request log of that run is filled up to M requests (5,000,000) with copies of
 * what it recorded, and everything a report computes from it is computed: a run that long takes
 * minutes of machine time to send for real, and what it costs in memory is the log and the
 * summaries, which this exercises with the same code.
 */
import { drive } from '../load/driver.js';
import { embeddedPlan } from '../load/requestPlan.js';
import { perSecondSeries, summarise } from '../load/summary.js';
import { int } from '../report/format.js';
import { startNoopServer } from './driverBench.js';

export interface MemoryBenchOptions {
  vus: number;
  requests: number;
  /** Seconds at full VUs, after a ramp of the same length. */
  duration: number;
}

const MB = 1024 * 1024;

function rssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    reset: () => (peak = process.memoryUsage.rss()),
    stop: () => clearInterval(timer),
  };
}

export async function runMemoryBenchmark(opts: MemoryBenchOptions, out: NodeJS.WritableStream): Promise<void> {
  const { child, url } = await startNoopServer();
  const rss = rssSampler();
  try {
    const before = process.memoryUsage.rss();
    out.write(`no-op server at ${url}; ${int(opts.vus)} VUs (think 1 s), ramp ${opts.duration}s + ${opts.duration}s; then the log filled to ${int(opts.requests)} requests\n`);
    const run = await drive({
      plan: embeddedPlan(url, '/noop'),
      startVUs: 0,
      stages: [
        { duration: opts.duration, target: opts.vus },
        { duration: opts.duration, target: opts.vus },
      ],
      thinkTime: 1,
      timeout: 30,
      gracefulStop: 10,
      userPool: 1_000_000,
      seed: 1,
    });
    const sent = run.log.length;
    const peakLoad = rss.peak();
    const peakVUs = run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0);
    out.write(`load:   ${int(peakVUs)} VUs, ${int(sent)} requests sent for real, peak RSS ${int(peakLoad / MB)} MB (${int(before / MB)} MB before)\n`);

    // Copies of what was recorded, spread over the same run time, until the log holds M requests.
    const { log } = run;
    for (let i = 0; log.length < opts.requests; i = (i + 1) % sent) {
      log.add({
        sentAtMs: log.sentAtMs[i]!,
        latencyMs: log.latencyMs[i]!,
        status: log.status[i]!,
        observation: log.observationOf(i),
        userId: (log.length % 1_000_000) + 1,
        serverTiming: 'lock;dur=0.05, cs;dur=0.02, total;dur=0.08',
      });
    }
    const summary = summarise(run);
    const series = perSecondSeries(run);
    const peakAll = rss.peak();
    out.write(
      `report: ${int(log.length)} requests in the log, summary (${int(summary.requests)} requests, p95 ${summary.latency.p95.toFixed(2)} ms, ` +
        `${summary.breakdown?.phases.length ?? 0} Server-Timing phases), ${series.length} per-second points: peak RSS ${int(peakAll / MB)} MB\n`,
    );
    out.write(`memory at ${int(opts.vus)} VUs and ${int(opts.requests)} requests: peak RSS ${int(peakAll / MB)} MB (goal: under 500 MB)\n`);
  } finally {
    rss.stop();
    child.kill();
  }
}
