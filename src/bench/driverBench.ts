/**
 * `couponbench bench-driver`: how much latency and how little throughput the load driver itself
 * adds, measured against a no-op server in another process. Three views of the same target:
 *  1. our k6-shaped driver at N VUs with think time (the latency it adds should be ~ms),
 *  2. autocannon's own run() with N connections at connectionRate 1 (the burst-per-second shape),
 *  3. closed-loop throughput (no think time) of our driver, autocannon run() and wrk if present.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../infra/binaries.js';
import { builtModule } from '../paths.js';
import { embeddedPlan } from '../load/requestPlan.js';
import { evenShare } from '../load/workers/share.js';
import { drive } from '../load/driver.js';
import { summarise, type LatencyStats } from '../load/summary.js';
import { ms, int } from '../report/format.js';

export interface DriverBenchOptions {
  vus: number;
  thinkTime: number;
  duration: number;
}

interface Row {
  what: string;
  rate: number;
  latency: Pick<LatencyStats, 'med' | 'p95' | 'p99' | 'max'>;
  /** CPU time the generator used per request, in µs (user + system, all its threads; from the kernel). */
  cpuUsPerRequest?: number;
}

export type NoopKind = 'http' | 'raw';

export interface NoopServers {
  children: ChildProcess[];
  url: string;
  /** Every port, of every process. */
  ports: number[];
  stop(): void;
}

/** One no-op server process listening on `ports` ports. */
function startNoopProcess(kind: NoopKind, ports: number): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = fork(builtModule('src/bench/noopServer.js'), [kind, String(ports)], { execArgv: ['--max-semi-space-size=4'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { ports: number[] }) => resolve({ child, ports: m.ports }));
    child.once('exit', (code) => reject(new Error(`no-op server exited with ${code}`)));
  });
}

/**
 * No-op servers in `processes` processes (more connections than one process may open), on
 * `ports` ports in all (Linux gives connect() about 14,000 ports from one address to one server
 * port; past that each connect() scans them all).
 */
export async function startNoopServers(kind: NoopKind, processes = 1, ports = processes): Promise<NoopServers> {
  const started = await Promise.allSettled(Array.from({ length: processes }, (_, k) => startNoopProcess(kind, evenShare(ports, k, processes))));
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = () => servers.forEach((s) => s.child.kill());
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const all = servers.flatMap((s) => s.ports);
  return { children: servers.map((s) => s.child), url: `http://127.0.0.1:${all[0]}`, ports: all, stop };
}

async function ourDriver(url: string, vus: number, thinkTime: number, seconds: number, rampS: number, workers = 1): Promise<Row> {
  const cpuBefore = process.cpuUsage();
  const run = await drive({
    workers,
    plan: embeddedPlan(url, '/noop'),
    startVUs: 0,
    stages: [
      { duration: rampS, target: vus },
      { duration: seconds, target: vus },
    ],
    thinkTime,
    timeout: 30,
    gracefulStop: 10,
    userPool: 1000,
    seed: 1,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const s = summarise(run);
  const threads = workers > 1 ? `, ${workers} workers` : ', 1 worker';
  return { what: `couponbench driver, ${vus} VUs, think ${thinkTime}s${threads}`, rate: s.rate, latency: s.latency, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, s.requests) };
}

async function autocannonRun(url: string, connections: number, seconds: number, connectionRate?: number): Promise<Row> {
  const result = await autocannon({ url: `${url}/noop`, method: 'POST', body: '{"userId":1}', connections, duration: seconds, connectionRate });
  const l = result.latency;
  const label = connectionRate ? `autocannon run(), ${connections} conns, connectionRate ${connectionRate}` : `autocannon run(), ${connections} conns`;
  return { what: label, rate: result.requests.average, latency: { med: l.p50, p95: (l as unknown as { p97_5: number }).p97_5, p99: l.p99, max: l.max } };
}

/**
 * wrk sending what our driver sends: a POST with a JSON body naming a user, built per request
 * (the Lua below), on one thread as our driver runs on one. A GET against a POST is no ratio.
 */
const WRK_SCRIPT = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"userId":' .. (n % 1000 + 1) .. '}')
end
`;

async function wrkRun(url: string, connections: number, seconds: number, threads = 1): Promise<Row | undefined> {
  const wrk = which('wrk');
  if (!wrk) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'couponbench-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    await writeFile(script, WRK_SCRIPT);
    // The shell waits for wrk, then prints its own /proc stat: cutime + cstime are wrk's CPU (clock ticks).
    const line = `"$0" -t${threads} -c${connections} -d${seconds}s -s "$1" --latency "$2"; echo; cat /proc/$$/stat`;
    const r = await execa('sh', ['-c', line, wrk, script, `${url}/noop`], { reject: false });
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
    const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0);
    const pick = (p: string) => parseWrkMs(new RegExp(`\\s${p}%\\s+(\\S+)`).exec(r.stdout)?.[1]);
    const stat = r.stdout.trim().split('\n').pop() ?? '';
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[13]) + Number(fields[14]);
    return {
      what: `wrk -t${threads} -c${connections}, the same POST (Lua body per request)`,
      rate,
      latency: { med: pick('50'), p95: pick('90'), p99: pick('99'), max: parseWrkMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(r.stdout)?.[1]) },
      ...(requests > 0 && Number.isFinite(cpuTicks) ? { cpuUsPerRequest: (cpuTicks * 10_000) / requests } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseWrkMs(text: string | undefined): number {
  if (!text) return 0;
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function print(out: NodeJS.WritableStream, title: string, rows: Row[]): void {
  out.write(`\n${title}\n`);
  out.write(`${'load generator'.padEnd(62)} ${'req/s'.padStart(9)} ${'med'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'cpu/req'.padStart(9)}\n`);
  for (const r of rows) {
    const l = r.latency;
    const cpu = r.cpuUsPerRequest === undefined ? '-' : `${r.cpuUsPerRequest.toFixed(0)}µs`;
    out.write(`${r.what.padEnd(62)} ${int(r.rate).padStart(9)} ${ms(l.med).padStart(9)} ${ms(l.p95).padStart(9)} ${ms(l.p99).padStart(9)} ${ms(l.max).padStart(9)} ${cpu.padStart(9)}\n`);
  }
}

export async function runDriverBenchmark(opts: DriverBenchOptions, out: NodeJS.WritableStream): Promise<void> {
  const noop = await startNoopServers('http');
  const { url } = noop;
  try {
    out.write(`no-op server at ${url}; ${opts.vus} VUs, think ${opts.thinkTime}s, ${opts.duration}s each\n`);
    const paced = [
      await ourDriver(url, opts.vus, opts.thinkTime, opts.duration, 5),
      await autocannonRun(url, opts.vus, opts.duration, Math.max(1, Math.round(1 / Math.max(opts.thinkTime, 0.001)))),
    ];
    print(out, 'paced load (what a coupon run looks like): latency here is what the generator adds', paced);
    out.write('(autocannon p95 column is its p97.5: run() reports no p95)\n');

    const one = await ourDriver(url, 100, 0, 10, 0);
    const two = await ourDriver(url, 100, 0, 10, 0, 2);
    const closed = [one, two, await autocannonRun(url, 100, 10)];
    const wrk1 = await wrkRun(url, 100, 10, 1);
    const wrk2 = await wrkRun(url, 100, 10, 2);
    for (const w of [wrk1, wrk2]) if (w) closed.push(w);
    print(out, 'closed loop, 100 connections, no think time, every request the same POST: throughput ceiling of each generator, and its CPU per request', closed);
    if (wrk1 && wrk2) {
      out.write(`couponbench driver throughput: 1 worker = ${(one.rate / wrk1.rate).toFixed(2)} × wrk -t1, 2 workers = ${(two.rate / wrk2.rate).toFixed(2)} × wrk -t2 (POST for POST)\n`);
      out.write('(wrk p95 column is its p90: wrk --latency reports 50/75/90/99; cpu/req is user + system time from the kernel, all threads)\n');
    } else {
      out.write(`couponbench driver throughput: 1 worker = ${(one.rate / closed[2]!.rate).toFixed(2)} × autocannon run()\n(wrk not installed: apt-get install wrk to compare against it)\n`);
    }
  } finally {
    noop.stop();
  }
}
