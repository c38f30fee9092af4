/**
 * HTTPS to a service: which certificates to trust. A target file's `tls` (or `--ca FILE`) names a
 * CA certificate for a private one, or says `insecure: true` to check none. Every client
 * couponbench opens to the service (the driver's connections, the readiness check, the login,
 * the reachability check) takes the same options, and one line explains a refused certificate.
 */
import { readFileSync } from 'node:fs';
import { assertRegularFile, INPUT_LIMITS } from '../inputFile.js';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { InfraError, UsageError } from '../errors.js';

export const TlsSchema = z
  .object({
    /** A PEM file of the CA (or the self-signed certificate) to trust, relative to the target file. */
    ca: z.string().min(1).optional(),
    /** Check no certificate at all (a warning is printed): for a throw-away certificate only. */
    insecure: z.boolean().default(false),
    /** The name the certificate must carry, when the URL's host is not it (an IP address, say). */
    servername: z.string().min(1).optional(),
  })
  .strict();
export type TlsSettings = z.infer<typeof TlsSchema>;

/** What a TLS client needs, plain data (it crosses to worker threads): the CA's PEM text, not its path. */
export interface TlsClientOptions {
  ca?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** Read the CA file once, before anything starts; a missing or non-PEM file is one line. */
export function tlsClientOptions(settings: TlsSettings | undefined): TlsClientOptions {
  if (!settings) return { rejectUnauthorized: true };
  let ca: string | undefined;
  if (settings.ca && !settings.insecure) {
    assertRegularFile(settings.ca, `tls.ca: ${settings.ca}`, INPUT_LIMITS.certificate);
    ca = readFileSync(settings.ca, 'utf8');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`tls.ca: ${settings.ca} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return { ...(ca ? { ca } : {}), rejectUnauthorized: !settings.insecure, ...(settings.servername ? { servername: settings.servername } : {}) };
}

/** node:tls options for a connection to `hostname`: SNI only for a name, never an IP address. */
export function tlsConnectOptions(hostname: string, port: number, tls: TlsClientOptions): ConnectionOptions {
  const servername = tls.servername ?? (isIP(hostname) ? undefined : hostname);
  return { host: hostname, port, ...(tls.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls.rejectUnauthorized, ...(servername ? { servername } : {}), ALPNProtocols: ['http/1.1'] };
}

/** Codes of a certificate the client refused (not a network failure). */
const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_GET_ISSUER/;

/**
 * A refused certificate as one line with what to do about it, or undefined for any other error:
 * waiting or retrying will not change a certificate, so callers stop on it at once.
 */
export function certificateRefusal(err: unknown, where: string): UsageError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!CERTIFICATE_CODES.test(e?.code ?? '')) return undefined;
  return new UsageError(`${where}: the certificate was refused: ${e.message} (${e.code}); trust it with tls.ca in the target file or --ca FILE, or set tls: { insecure: true } for a throw-away certificate`);
}

/** Open a TLS connection and close it once the handshake is done: does the certificate pass? */
export function checkHandshake(hostname: string, port: number, tls: TlsClientOptions, where: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(tlsConnectOptions(hostname, port, tls));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new InfraError(`${where}: no TLS handshake within ${timeoutMs / 1000}s`));
    });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(certificateRefusal(err, where) ?? new InfraError(`${where}: ${err.code ?? err.message}`));
    });
  });
}

export interface SimpleResponse {
  status: number;
  text: string;
}

/** One request with node:http or node:https (fetch cannot take a private CA): the readiness check, the login. */
export function simpleRequest(
  url: URL,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; tls: TlsClientOptions },
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const options = {
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      timeout: opts.timeoutMs,
      ...(secure ? tlsConnectOptions(hostname, Number(url.port || 443), opts.tls) : {}),
      host: hostname,
      port: Number(url.port || (secure ? 443 : 80)),
      path: `${url.pathname}${url.search}`,
      agent: false,
    };
    const req = (secure ? https : http).request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}
