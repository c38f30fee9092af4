/**
 * `couponbench bench-driver --memory`: the driver's memory at scale, as RSS sampled every 100 ms.
 * N VUs (10,000 by default) on their own keep-alive connections against the no-op server, and,
 * while they are all connected, the request log filled up to M requests (5,000,000) with copies
 * of what it recorded; then everything a report computes from it. Sending 5 million requests for
 * real takes minutes of machine time; what they cost in memory is the log and the summaries,
 * which this exercises with the same code, beside the live connections.
 */
import { drive } from '../load/driver.js';
import { assertOpenFiles, openFilesLimit } from '../load/limits.js';
import type { RequestLog } from '../load/recorder.js';
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

/** Append copies of the log's own records (spread over the same run time) until it holds `target`. */
function copyInto(log: RequestLog, target: number): void {
  const real = log.length;
  for (let i = 0; log.length < target; i = (i + 1) % real) {
    log.add({
      sentAtMs: log.sentAtMs.get(i),
      latencyMs: log.latencyMs.get(i),
      status: log.status.get(i),
      observation: log.observationOf(i),
      userId: (log.length % 1_000_000) + 1,
      serverTiming: 'lock;dur=0.05, cs;dur=0.02, total;dur=0.08',
    });
  }
}

export async function runMemoryBenchmark(opts: MemoryBenchOptions, out: NodeJS.WritableStream): Promise<void> {
  // Each VU holds a socket here and one in the no-op server (a child with the same limit): one line now, not a failure mid-run.
  assertOpenFiles(opts.vus, openFilesLimit());
  const { child, url } = await startNoopServer();
  const rss = rssSampler();
  try {
    const before = process.memoryUsage.rss();
    out.write(`no-op server at ${url}; ${int(opts.vus)} VUs (think 1 s), ramp ${opts.duration}s + ${opts.duration}s; while they are connected, the log filled to ${int(opts.requests)} requests\n`);
    // While all VUs are connected, the log is filled with copies of what it recorded, a share a
    // second, so that both are in memory at once, as they would be in a run that long.
    const filler = (tick: { elapsedS: number; log: RequestLog }) => {
      const { log } = tick;
      if (tick.elapsedS < opts.duration || log.length === 0) return;
      const secondsLeft = Math.max(1, 2 * opts.duration - tick.elapsedS - 1);
      const target = Math.min(opts.requests, log.length + Math.ceil((opts.requests - log.length) / secondsLeft));
      copyInto(log, target);
    };
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
      onTick: filler,
    });
    const { log } = run;
    copyInto(log, opts.requests);
    const peakVUs = run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0);
    out.write(`load:   ${int(peakVUs)} VUs connected while the log grew to ${int(log.length)} requests, peak RSS ${int(rss.peak() / MB)} MB (${int(before / MB)} MB before)\n`);
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
