/**
 * Link faults (src/faults/links/proxy.ts and the latency / stall / reset / down faults): a real
 * TCP proxy in front of a real echo server, then in front of the suite's MariaDB while strategies
 * race: a lease lock whose holder's MySQL round trips outlast the lease breaks, a database lock
 * does not (issue 16).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkProxy } from '../../../src/faults/links/proxy.js';
import { parseFaultFlag } from '../../../src/faults/spec.js';
import { gateReport } from '../../../src/report/gate.js';
import type { Scenario } from '../../../src/config.js';
import { DEFAULT_STRATEGY_OPTIONS } from '../../../strategies/index.js';
import { runStrategy, scenario } from '../../helpers.js';

let echo: net.Server;
let echoPort: number;

beforeAll(async () => {
  echo = net.createServer((s) => s.on('error', () => {}).pipe(s)); // a reset reaches this end too
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

/** Connect through the proxy; `roundTrip` sends a line and resolves with the ms until it came back. */
async function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const roundTrip = (text: string) =>
    new Promise<number>((resolve) => {
      const started = performance.now();
      socket.once('data', () => resolve(performance.now() - started));
      socket.write(text);
    });
  return { socket, roundTrip };
}

describe('the link proxy', () => {
  it('passes bytes through, delays them under latency, holds them under a stall, resets and refuses on demand', async () => {
    const proxy = new LinkProxy('mysql', { host: '127.0.0.1', port: echoPort });
    const port = await proxy.start();
    try {
      const c = await client(port);
      const fair = await c.roundTrip('a');
      proxy.setLatency({ ms: 150, jitterMs: 0, direction: 'both' });
      const slowed = await c.roundTrip('b');
      // 150 ms each way; a timer counts from the event loop's cached millisecond clock, so each hop may end up to 1 ms early (CI saw 299.96).
      expect(slowed).toBeGreaterThanOrEqual(298);
      expect(slowed - fair).toBeGreaterThanOrEqual(290);
      proxy.setLatency(undefined);

      proxy.setStalled(true);
      const stalled = c.roundTrip('c');
      const heldFor = await Promise.race([stalled.then(() => 'moved'), new Promise((r) => setTimeout(() => r('held'), 300))]);
      expect(heldFor).toBe('held'); // the connection stays open, nothing moves
      proxy.setStalled(false);
      expect(await stalled).toBeGreaterThanOrEqual(300);

      const closed = new Promise<string>((resolve) => c.socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error')));
      expect(proxy.resetAll()).toBe(1);
      expect(await closed).toBe('ECONNRESET');

      // Down with a connection open (a pool's): new ones are refused, the open one goes on.
      const open = await client(port);
      await proxy.setDown(true);
      await expect(client(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(await open.roundTrip('e')).toBeLessThan(1000);
      open.socket.destroy();
      await proxy.setDown(false);
      const again = await client(port);
      expect(await again.roundTrip('d')).toBeLessThan(1000);
      again.socket.destroy();
    } finally {
      await proxy.stop();
    }
  });

  it('reads link faults from flags: KIND#LINK=AMOUNT@AT:DURATION, and refuses a link fault without its link', () => {
    expect(parseFaultFlag('latency#mysql=3s@5s:7s')).toEqual({ kind: 'latency', link: 'mysql', amount: 3, at: 5, duration: 7 });
    expect(parseFaultFlag('stall#redis@5s:3s')).toEqual({ kind: 'stall', link: 'redis', at: 5, duration: 3 });
    expect(parseFaultFlag('reset#mysql@6s')).toEqual({ kind: 'reset', link: 'mysql', at: 6, duration: 0 });
    expect(parseFaultFlag('pause-instance#2@3s:2s')).toEqual({ kind: 'pause-instance', instance: 2, at: 3, duration: 2 });
    expect(() => parseFaultFlag('latency@1s:1s')).toThrow(/link latency acts on a link: name it \(mysql, postgres, redis\)/);
    expect(() => parseFaultFlag('stall#mongodb@1s:1s')).toThrow(/link/);
  });
});

/** 30 VUs for 3 s on a coupon that does not sell out, under these faults. */
const underFaults = (faults: Scenario['faults'], timeout = 30) =>
  scenario({ quantity: 100_000, startVUs: 30, stages: [{ duration: 3, target: 30 }], thinkTime: 0.01, userPool: 100_000, timeout, faults });

describe('strategies behind a slow MySQL link', () => {
  // The MySQL link turns slow for 1.5 s: each round trip takes 0.4 s more each way, longer than the 0.5 s lease.
  const slowMysql = underFaults([{ kind: 'latency', link: 'mysql', amount: 0.4, at: 0.8, duration: 1.5 }]);
  const shortLease = { options: { ...DEFAULT_STRATEGY_OPTIONS, lockLeaseMs: 500 } };

  it("redis-spin's lease runs out under its slow holder, with no hook in the server: releases find the lock gone, or the data breaks", async () => {
    const r = await runStrategy('redis-spin', slowMysql, shortLease);
    const [fault] = r.faults;
    expect(fault).toMatchObject({ kind: 'latency', target: expect.stringMatching(/^mysql link \(127\.0\.0\.1:\d+\)$/) });
    expect(fault!.events.map((e) => e.type)).toEqual(['link-slowed', 'link-restored']);
    // The lock broke: releases found it gone, or the counts show it.
    const releasesFailed = r.server.warnings.release_failed;
    expect(releasesFailed + r.audit.violations.length).toBeGreaterThan(0);
    expect(gateReport(r, [])).toMatchObject({ passed: true, integrity: expect.stringMatching(/^(violation-expected|lock-broken)$/) });
  });

  it('mysql-pessimistic keeps integrity behind the same link: the row lock lives in the database', async () => {
    const r = await runStrategy('mysql-pessimistic', slowMysql);
    expect(r.faults[0]!.events.map((e) => e.type)).toEqual(['link-slowed', 'link-restored']);
    expect(r.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(gateReport(r, [])).toMatchObject({ integrity: 'kept', passed: true });
  });

  it('a stalled, then reset, MySQL link leaves clients not knowing: timeouts whose coupons were issued are recovered, the rest did not happen', async () => {
    // Held statements wait in the proxy; the reset drops those on the wire (rolled back), those still queued in the pool go through later.
    const stalled = underFaults(
      [
        { kind: 'stall', link: 'mysql', at: 0.8, duration: 1.2 },
        { kind: 'reset', link: 'mysql', at: 1.6, duration: 0 },
      ],
      0.5,
    );
    const r = await runStrategy('mysql-atomic', stalled);
    expect(r.faults.map((f) => f.events.map((e) => e.type))).toEqual([['link-stalled', 'link-restored'], ['link-reset']]);
    expect(r.load.results.timeout ?? 0).toBeGreaterThan(0);
    expect(r.audit.verdict).toBe('pass');
    // Held transactions went through once the link moved again, after their clients gave up.
    expect(r.audit.identity!.recovered).toBeGreaterThan(0);
    expect(r.audit.identity!.unknownNotIssued).toBeGreaterThan(0);
    expect(r.audit.identity!.recovered + r.audit.identity!.unknownNotIssued).toBe(r.load.outcomes.classes.unknown);
  });
});
