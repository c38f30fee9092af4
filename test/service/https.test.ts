/**
 * HTTPS targets (issue 18, part 4): a service behind a certificate made at test time with
 * openssl, trusted through the target file's tls.ca or --ca; refused in one line, before any load,
 * when nothing says to trust it; tls.insecure runs with a warning. Keep-alive holds over TLS (one
 * handshake per connection, not per request) and the arithmetic is the same as over HTTP.
 */
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readReport } from '../../src/report/files.js';
import { redisSetTarget } from '../fixtures/redisSet.js';
import { writeTarget } from '../fixtures/shop.js';
import { BIN } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-https-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
const LOAD = ['--quantity', '100', '--vus', '10', '--duration', '1s', '--think-time', '5ms', '--user-pool', '100000', '--no-one-per-user'];
const REDIS = inject('redisUrls')[1]!;
const redis = new Redis(REDIS);
afterAll(() => redis.quit());

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, as a team would make one for a staging host.
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=coupon-staging', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
});

/** The Redis-set service over HTTPS, started by couponbench. */
async function httpsTarget(name: string, couponId: string, tls?: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  const t = await redisSetTarget(name, 'correct', couponId, REDIS, (t) => {
    t.request.url = 'https://127.0.0.1:{port}/api/coupons/{couponId}/issue';
    t.service.env = { ...t.service.env, ...env, TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') };
    t.service.ready = { tcp: '{port}' };
    if (tls) t.tls = tls;
  });
  return writeTarget(dir, `${name}.yaml`, t);
}

describe('an HTTPS service with a private certificate', () => {
  it('is trusted through tls.ca, keeps one TLS session per VU, and gets the same arithmetic and breakdown as over HTTP', async () => {
    const file = await httpsTarget('https-ca', 'H1', { ca: 'cert.pem' }, { CONNECTIONS_FILE: join(dir, 'connections.json') });
    const r = await cli(['run', '--target', file, ...LOAD, '--gate', '-q', '--out', join(dir, 'ca.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(join(dir, 'ca.json'));
    const held = await redis.scard('coupon-winners:H1');
    expect(report.audit).toMatchObject({ verdict: 'pass', capacity: 100, rows: held, overIssue: 0 });
    expect(report.load.issued).toBe(held);
    expect(report.load.requests).toBeGreaterThan(200);
    expect(report.load.latency.p95).toBeGreaterThan(0);
    // The latency breakdown reads Server-Timing over TLS as over plain HTTP.
    expect(report.load.breakdown?.phases.map((p) => p.name)).toContain('redis');
    // One TLS session per VU at most (10), whatever the number of requests: keep-alive holds.
    const { opened } = JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8')) as { opened: number };
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(10);
    expect(report.load.connErrors ?? {}).toEqual({});
  });

  it('is refused in one line, before any load, when nothing says to trust its certificate', async () => {
    const file = await httpsTarget('https-untrusted', 'H3');
    const r = await cli(['run', '--target', file, ...LOAD, '-q', '--out', join(dir, 'untrusted.json')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the certificate was refused: .*self.signed.*trust it with tls\.ca in the target file or --ca FILE, or set tls: \{ insecure: true \}/);
    expect(await redis.exists('coupon-winners:H3')).toBe(0); // no request was sent
  });

  it('takes --ca FILE instead, and tls.insecure with a warning', async () => {
    const file = await httpsTarget('https-flag', 'H4');
    const r = await cli(['run', '--target', file, '--ca', join(dir, 'cert.pem'), ...LOAD, '--gate', '-q', '--out', join(dir, 'flag.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const insecure = await httpsTarget('https-insecure', 'H5', { insecure: true });
    const i = await cli(['run', '--target', insecure, ...LOAD, '--gate', '--out', join(dir, 'insecure.json')]);
    expect(i.exitCode, i.stderr).toBe(0);
    expect(i.stderr).toMatch(/warning: tls\.insecure: https-insecure's certificate is not checked/);
    const missing = await cli(['run', '--target', file, '--ca', join(dir, 'nope.pem'), ...LOAD]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim()).toBe(`couponbench: --ca ${join(dir, 'nope.pem')} does not exist`);
  });
});

