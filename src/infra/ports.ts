import net from 'node:net';
import { UsageError } from '../errors.js';

/** A port the kernel just handed out on 127.0.0.1; free at the time of the call. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Throws a one-line UsageError when `port` is taken or `host` is not an address this machine can bind (port 0: only the host is checked). */
export function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', (err: NodeJS.ErrnoException) => reject(bindError(err, port, host)));
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

function bindError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE') return new UsageError(`port ${port} on ${host} is busy; choose another with --port`);
  if (err.code === 'EADDRNOTAVAIL') return new UsageError(`--host ${host} is not an address of this machine; the server binds one of its own (e.g. 127.0.0.1)`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new UsageError(`--host ${host}: no such host`);
  if (err.code === 'EACCES') return new UsageError(`port ${port} on ${host} needs privileges couponbench does not have; choose a port above 1023`);
  return err;
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A name or address of this machine's loopback interface. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIP(host) === 4) return host.startsWith('127.');
  if (net.isIP(host) === 6) return host === '::1';
  return false;
}
