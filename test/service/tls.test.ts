/**
 * Which certificates a client trusts (src/service/tls.ts), against a real TLS server on a
 * certificate made now with openssl: trusted through its CA, refused in one line without it,
 * accepted unchecked only when told; a file that is no PEM is refused before anything starts.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHandshake, simpleRequest, tlsClientOptions } from '../../src/service/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-tls-'));
let server: https.Server;
let port = 0;

beforeAll(async () => {
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=coupon-staging', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('TLS to a service', () => {
  it('trusts the certificate through its CA file, by the name the certificate carries', async () => {
    const tls = tlsClientOptions({ ca: join(dir, 'cert.pem'), insecure: false, servername: 'localhost' });
    await checkHandshake('127.0.0.1', port, tls, 'coupon-api');
    expect(await simpleRequest(new URL(`https://127.0.0.1:${port}/health`), { timeoutMs: 2000, tls })).toEqual({ status: 200, text: 'ok' });
  });

  it('refuses it in one line saying what to do, without a CA or under another name', async () => {
    await expect(checkHandshake('127.0.0.1', port, tlsClientOptions(undefined), 'coupon-api')).rejects.toThrow(
      /^coupon-api: the certificate was refused: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\); trust it with tls\.ca in the target file or --ca FILE, or set tls: \{ insecure: true \} for a throw-away certificate$/,
    );
    const wrongName = tlsClientOptions({ ca: join(dir, 'cert.pem'), insecure: false, servername: 'coupons.example' });
    await expect(checkHandshake('127.0.0.1', port, wrongName, 'coupon-api')).rejects.toThrow(/the certificate was refused: .*\(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it('checks nothing only when told insecure; a CA file that is no certificate is refused before any connection', async () => {
    await checkHandshake('127.0.0.1', port, tlsClientOptions({ insecure: true }), 'coupon-api');
    writeFileSync(join(dir, 'not.pem'), 'hello');
    expect(() => tlsClientOptions({ ca: join(dir, 'not.pem'), insecure: false })).toThrow(/^tls\.ca: .*not\.pem holds no PEM certificate \(-----BEGIN CERTIFICATE-----\)$/);
  });
});
