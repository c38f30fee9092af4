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
}

export function startNoopServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(builtModule('src/bench/noopServer.js'), [], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once('exit', (code) => reject(new Error(`no-op server exited with ${code}`)));
  });
}

async function ourDriver(url: string, vus: number, thinkTime: number, seconds: number, rampS: number): Promise<Row> {
  const run = await drive({
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
  const s = summarise(run);
  return { what: `couponbench driver, ${vus} VUs, think ${thinkTime}s`, rate: s.rate, latency: s.latency };
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

async function wrkRun(url: string, connections: number, seconds: number): Promise<Row | undefined> {
  const wrk = which('wrk');
  if (!wrk) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'couponbench-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    await writeFile(script, WRK_SCRIPT);
    const r = await execa(wrk, ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, '--latency', `${url}/noop`], { reject: false });
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
    const pick = (p: string) => parseWrkMs(new RegExp(`\\s${p}%\\s+(\\S+)`).exec(r.stdout)?.[1]);
    return { what: `wrk -t1 -c${connections}, the same POST (Lua body per request)`, rate, latency: { med: pick('50'), p95: pick('90'), p99: pick('99'), max: parseWrkMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(r.stdout)?.[1]) } };
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
  out.write(`${'load generator'.padEnd(58)} ${'req/s'.padStart(9)} ${'med'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}\n`);
  for (const r of rows) {
    const l = r.latency;
    out.write(`${r.what.padEnd(58)} ${int(r.rate).padStart(9)} ${ms(l.med).padStart(9)} ${ms(l.p95).padStart(9)} ${ms(l.p99).padStart(9)} ${ms(l.max).padStart(9)}\n`);
  }
}

export async function runDriverBenchmark(opts: DriverBenchOptions, out: NodeJS.WritableStream): Promise<void> {
  const { child, url } = await startNoopServer();
  try {
    out.write(`no-op server at ${url}; ${opts.vus} VUs, think ${opts.thinkTime}s, ${opts.duration}s each\n`);
    const paced = [
      await ourDriver(url, opts.vus, opts.thinkTime, opts.duration, 5),
      await autocannonRun(url, opts.vus, opts.duration, Math.max(1, Math.round(1 / Math.max(opts.thinkTime, 0.001)))),
    ];
    print(out, 'paced load (what a coupon run looks like): latency here is what the generator adds', paced);
    out.write('(autocannon p95 column is its p97.5: run() reports no p95)\n');

    const closed = [await ourDriver(url, 100, 0, 10, 0), await autocannonRun(url, 100, 10)];
    const wrk = await wrkRun(url, 100, 10);
    if (wrk) closed.push(wrk);
    print(out, 'closed loop, 100 connections, no think time, one thread each, every request the same POST: throughput ceiling of each generator', closed);
    const base = closed[closed.length - 1]!;
    out.write(`couponbench driver throughput = ${(closed[0]!.rate / base.rate).toFixed(2)} × ${wrk ? 'wrk (POST for POST)' : 'autocannon run()'}\n`);
    if (wrk) out.write('(wrk p95 column is its p90: wrk --latency reports 50/75/90/99)\n');
    else out.write('(wrk not installed: apt-get install wrk to compare against it)\n');
  } finally {
    child.kill();
  }
}
