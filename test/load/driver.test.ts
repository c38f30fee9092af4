import { execa } from 'execa';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPlan } from '../../src/load/requestPlan.js';
import { drive } from '../../src/load/driver.js';
import { vusAt } from '../../src/load/stages.js';
import { perSecondSeries, summarise } from '../../src/load/summary.js';
import { packageRoot } from '../../src/paths.js';
import { join } from 'node:path';

/** A target that answers at once and records, per connection, when each request arrived. */
let server: http.Server;
let url: string;
const arrivals = new Map<object, number[]>();
const bodies: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const times = arrivals.get(req.socket) ?? [];
    times.push(performance.now());
    arrivals.set(req.socket, times);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"issued"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('load driver', () => {
  it('holds the VU count to the k6 schedule, waits the think time per VU, and spreads VUs in time', async () => {
    arrivals.clear();
    const schedule = { startVUs: 0, stages: [{ duration: 2, target: 200 }, { duration: 3, target: 200 }, { duration: 1, target: 50 }] };
    const run = await drive({ plan: embeddedPlan(url, '/p'), ...schedule, thinkTime: 0.5, timeout: 10, gracefulStop: 5, userPool: 1000, seed: 3 });

    // VU count sampled during the run equals the schedule at that instant.
    const during = run.vuSamples.filter((s) => s.atMs < 6000);
    expect(during.length).toBeGreaterThan(40);
    for (const s of during) expect(s.vus, `at ${s.atMs.toFixed(0)} ms`).toBe(vusAt(schedule, s.atMs / 1000));

    // Think time: consecutive requests on one connection are at least 0.5 s apart.
    let gaps = 0;
    for (const times of arrivals.values()) {
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(499);
        gaps++;
      }
    }
    expect(gaps).toBeGreaterThan(500);
    expect(arrivals.size).toBe(200);

    // Spread: in steady state (2-5 s) no 50 ms window holds much more than its share of arrivals.
    const all = [...arrivals.values()].flat().sort((a, b) => a - b);
    const t0 = all[0]!;
    const buckets = new Map<number, number>();
    for (const t of all) {
      const rel = t - t0;
      if (rel >= 2500 && rel < 5000) buckets.set(Math.floor(rel / 50), (buckets.get(Math.floor(rel / 50)) ?? 0) + 1);
    }
    const counts = [...buckets.values()];
    const mean = counts.reduce((a, b) => a + b, 0) / 50;
    expect(mean).toBeGreaterThan(15); // ~200 VUs / 0.5 s = 400 req/s = 20 per 50 ms
    expect(Math.max(...counts)).toBeLessThan(mean * 3);

    const summary = summarise(run);
    expect(summary.requests).toBe(all.length);
    expect(summary.issued).toBe(all.length);
    expect(summary.peakVUs).toBe(200);
    // The closed model has no intended start times: no dropped count, no second latency.
    expect(summary.droppedIterations).toBeUndefined();
    expect(summary.phases!.sale.p95FromIntended).toBeUndefined();
    const series = perSecondSeries(run);
    expect(series[3]!.vus).toBe(200);
    expect(series.reduce((a, p) => a + p.sent, 0)).toBe(all.length);
  });

  it('sends a user id from the pool with every request', async () => {
    bodies.length = 0;
    const run = await drive({ plan: embeddedPlan(url, '/p'), startVUs: 5, stages: [{ duration: 1, target: 5 }], thinkTime: 0.05, timeout: 10, gracefulStop: 5, userPool: 7, seed: 9 });
    expect(bodies.length).toBe(run.log.length);
    const ids = bodies.map((b) => (JSON.parse(b) as { userId: number }).userId);
    expect(ids.every((id) => Number.isInteger(id) && id >= 1 && id <= 7)).toBe(true);
    expect(new Set(ids).size).toBe(7);
    for (let i = 0; i < run.log.length; i++) expect(ids).toContain(run.log.userId.get(i));
  });

  it('records timeouts as such when the server does not answer', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const run = await drive({ plan: embeddedPlan(`http://127.0.0.1:${port}`, '/p'), startVUs: 3, stages: [{ duration: 1.5, target: 3 }], thinkTime: 0.1, timeout: 1, gracefulStop: 0.2, userPool: 5, seed: 1 });
      const s = summarise(run);
      expect(s.results.timeout).toBeGreaterThanOrEqual(3);
      expect(s.outcomes.classes.unknown).toBe(s.requests);
      expect(s.responses).toBe(0);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('keeps idle VUs on their connection when think time + latency passes the timeout (bug 9)', async () => {
    const sockets = new Set<object>();
    const slowish = http.createServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on('end', () => setTimeout(() => res.end('{"result":"issued"}'), 100));
    });
    await new Promise<void>((r) => slowish.listen(0, '127.0.0.1', r));
    try {
      // think 1.5 s + ~0.1 s latency > 1 s timeout: a request timer that outlives its request would tear these down.
      const run = await drive({ plan: embeddedPlan(`http://127.0.0.1:${(slowish.address() as AddressInfo).port}`, '/p'), startVUs: 3, stages: [{ duration: 4, target: 3 }], thinkTime: 1.5, timeout: 1, gracefulStop: 2, userPool: 10, seed: 1 });
      expect(run.log.length).toBeGreaterThanOrEqual(6);
      expect(summarise(run).results.issued).toBe(run.log.length); // no timeouts either
      expect(sockets.size).toBe(3);
    } finally {
      slowish.closeAllConnections();
      slowish.close();
    }
  });
});

describe('arrival-rate executors (the open model)', () => {
  const plan = () => embeddedPlan(url, '/p');
  const arrival = (preAllocatedVUs: number, maxVUs: number) => ({ startRate: 100, timeUnit: 1, preAllocatedVUs, maxVUs });

  it('start iterations at the rate, not when responses come back: 100/s for 2 s is 200 requests', async () => {
    arrivals.clear();
    const run = await drive({ plan: plan(), startVUs: 0, stages: [{ duration: 2, target: 100 }], arrival: arrival(5, 20), thinkTime: 1, timeout: 10, gracefulStop: 5, userPool: 1000, seed: 3 });
    const summary = summarise(run);
    expect(summary.requests).toBe(200);
    expect(summary.droppedIterations).toBe(0);
    expect(summary.phases!.sale.p95FromIntended).toBeDefined();
    // Evenly: each 250 ms of the run holds about 25 of them (think time does not apply).
    const sent = Array.from({ length: run.log.length }, (_, i) => run.log.sentAtMs.get(i));
    for (let from = 0; from < 2000; from += 250) {
      const n = sent.filter((t) => t >= from && t < from + 250).length;
      expect(n, `${from}-${from + 250} ms`).toBeGreaterThanOrEqual(20);
      expect(n, `${from}-${from + 250} ms`).toBeLessThanOrEqual(30);
    }
  });

  it('drop iterations when every VU is busy and maxVUs is reached, and time latency from the intended start too', async () => {
    const slow = http.createServer((_req, res) => setTimeout(() => res.writeHead(200).end('{"result":"issued"}'), 100));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      // 100/s of 100 ms requests needs 10 VUs; 5 can serve about 50/s.
      const run = await drive({ plan: embeddedPlan(slowUrl, '/p'), startVUs: 0, stages: [{ duration: 2, target: 100 }], arrival: arrival(2, 5), thinkTime: 0, timeout: 10, gracefulStop: 5, userPool: 1000, seed: 3 });
      const summary = summarise(run);
      // Every iteration due is started or dropped, the last one too (none falls between the last tick and the end).
      expect(summary.requests + summary.droppedIterations!).toBe(200);
      expect(summary.droppedIterations).toBeGreaterThan(60);
      expect(summary.requests).toBeGreaterThan(70);
      expect(summary.peakVUs).toBe(5);
      expect(summary.latency.med).toBeGreaterThanOrEqual(99);
      expect(summary.latencyFromIntended!.med).toBeGreaterThanOrEqual(summary.latency.med);
      expect(summary.phases!.sale.p95FromIntended).toBeGreaterThanOrEqual(summary.phases!.sale.p95);
    } finally {
      await new Promise<void>((r) => { slow.closeAllConnections(); slow.close(() => r()); });
    }
  });
});

describe('load driver out of file descriptors (issue 15)', () => {
  it('backs off on EMFILE, counts it, and keeps timers and signals running: the run ends on time', async () => {
    const script = join(packageRoot(), 'test', 'fixtures', 'drivers', 'fdStarved.mjs');
    const port = (server.address() as AddressInfo).port;
    // 40 descriptors left, 120 VUs: most VUs cannot open a socket at all.
    const r = await execa('node', [script, String(port), '120', '2', '40'], { reject: false, timeout: 30_000 });
    expect(r.timedOut, 'the driver never ended').toBe(false);
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as { ms: number; beats: number; signalled: boolean; requests: number; connErrors: Record<string, number>; rssMB: number };
    expect(seen.connErrors.EMFILE).toBeGreaterThan(0);
    expect(seen.requests).toBeGreaterThan(seen.connErrors.EMFILE); // the VUs that got a socket kept working
    expect(seen.ms).toBeLessThan(2000 + 2000 + 1000); // the load, the graceful stop, slack
    expect(seen.beats).toBeGreaterThanOrEqual(20); // a 50 ms timer fired through the storm (40 if never late)
    expect(seen.signalled).toBe(true);
    // Backing off: each starved VU retries at most ~11 times in 2 s (10, 20, 40 ... 1000 ms), not thousands.
    expect(seen.connErrors.EMFILE).toBeLessThan(120 * 12);
    expect(seen.rssMB).toBeLessThan(300);
  });
});
