/**
 * `couponbench bench-driver --memory`: the driver's memory at scale, as RSS sampled every 100 ms.
 * N VUs (10,000 by default) on their own keep-alive connections against the no-op server, and,
 * while they are all connected, the request log filled up to M requests (5,000,000) with copies
 * of what it recorded; then everything a report computes from it. Sending 5 million requests for
 * real takes minutes of machine time; what they cost in memory is the log and the summaries,
 * which this exercises with the same code, beside the live connections. More VUs than one
 * process may hold sockets for go to driver processes of their own, and the no-op server runs as
 * as many processes (a port each): the RSS printed is every process's, added up.
 */
import { drive } from '../load/driver.js';
import { LatencyHistogram } from '../load/latencyHistogram.js';
import { driverProcesses, openFilesLimit } from '../load/limits.js';
import type { RequestLog } from '../load/recorder.js';
import { embeddedPlan } from '../load/requestPlan.js';
import { perSecondSeries, summarise } from '../load/summary.js';
import { connErrorCodes, int, ms } from '../report/format.js';
import { startNoopServers } from './driverBench.js';
import { processTree, rssSampler } from './processRss.js';

export interface MemoryBenchOptions {
  vus: number;
  requests: number;
  /** Seconds at full VUs, after a ramp of the same length. */
  duration: number;
  /** Each VU's pause between an answer and its next request, in seconds. */
  thinkTime: number;
}

const MB = 1024 * 1024;

/**
 * Connections to one server port from one address: Linux gives connect() the even half of the
 * ephemeral ports (32768-60999 here), and past about 14,000 each connect() scans them all (0.9 ms
 * each, measured here): the no-op server listens on a port per this many VUs.
 */
const PER_PORT = 5_000;

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
  // Each VU holds a socket in the driver and one in a no-op server: as many server processes as driver processes (one at least).
  const drivers = driverProcesses(opts.vus, 0, openFilesLimit());
  const servers = Math.max(1, drivers);
  const ports = Math.max(servers, Math.ceil(opts.vus / PER_PORT));
  const noop = await startNoopServers('raw', servers, ports);
  const serverPids = noop.children.map((c) => c.pid!);
  // Who is who, looked up once a second (a /proc walk); RSS read every 100 ms.
  let driverPids = [process.pid];
  const lookup = setInterval(() => (driverPids = processTree(process.pid).filter((pid) => !serverPids.includes(pid))), 1000);
  const rss = rssSampler(() => ({ driver: driverPids, server: serverPids }));
  try {
    const before = rss.peak();
    const where = `${drivers > 0 ? `${drivers} driver processes` : 'this process'}, ${servers} no-op server process${servers === 1 ? '' : 'es'}`;
    out.write(`no-op server at ${noop.url}${ports > 1 ? ` (+${ports - 1} more ports)` : ''}; ${int(opts.vus)} VUs (think ${opts.thinkTime} s) on ${where}, ramp ${opts.duration}s + ${opts.duration}s; while they are connected, the log filled to ${int(opts.requests)} requests\n`);
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
      plan: embeddedPlan(noop.url, '/noop', ports > 1 ? noop.ports : undefined),
      startVUs: 0,
      stages: [
        { duration: opts.duration, target: opts.vus },
        { duration: opts.duration, target: opts.vus },
      ],
      thinkTime: opts.thinkTime,
      timeout: 30,
      gracefulStop: 10,
      userPool: 1_000_000,
      seed: 1,
      onTick: filler,
    });
    const { log } = run;
    const real = log.length;
    const atLoad = rss.peak();
    // The paced latency of the real requests at full VUs (the copies repeat them).
    const full = pacedAtFullVus(log, real, opts.duration * 1000);
    copyInto(log, opts.requests);
    const peakVUs = run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0);
    const mb = (bytes: number) => `${int(bytes / MB)} MB`;
    out.write(
      `load:   ${int(peakVUs)} VUs connected, ${int(full.rate)} req/s at full VUs, latency p50 ${ms(full.p50)} p95 ${ms(full.p95)} p99 ${ms(full.p99)}, ` +
        `${int(sumValues(run.connErrors))} connection errors${connErrorCodes(run.connErrors)}; the log grew to ${int(log.length)} requests\n`,
    );
    out.write(`        peak RSS: driver ${mb(atLoad.driver)} (${mb(before.driver)} before), no-op server ${mb(atLoad.server)}, all ${mb(atLoad.all)}\n`);
    const summary = summarise(run);
    const series = perSecondSeries(run);
    const peak = rss.peak();
    out.write(
      `report: ${int(log.length)} requests in the log, summary (${int(summary.requests)} requests, p95 ${summary.latency.p95.toFixed(2)} ms, ` +
        `${summary.breakdown?.phases.length ?? 0} Server-Timing phases), ${series.length} per-second points: peak RSS driver ${mb(peak.driver)}\n`,
    );
    out.write(
      `memory at ${int(opts.vus)} VUs and ${int(opts.requests)} requests: peak RSS of the driver's processes ${mb(peak.driver)} (goal: under 1 GB), ` +
        `with the no-op server ${mb(peak.all)}; paced latency p95 ${ms(full.p95)} at full VUs (goal: under 10 ms)\n`,
    );
  } finally {
    clearInterval(lookup);
    rss.stop();
    noop.stop();
  }
}

/** The first `real` requests (the rest are copies) sent from `fromMs` on: their rate and latency percentiles. */
function pacedAtFullVus(log: RequestLog, real: number, fromMs: number) {
  const h = LatencyHistogram.empty();
  let last = fromMs;
  for (let i = 0; i < real; i++) {
    const sent = log.sentAtMs.get(i);
    if (sent < fromMs) continue;
    h.record(log.latencyMs.get(i));
    last = Math.max(last, sent);
  }
  return { rate: h.count / Math.max(0.001, (last - fromMs) / 1000), p50: h.at(50), p95: h.at(95), p99: h.at(99) };
}

const sumValues = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
