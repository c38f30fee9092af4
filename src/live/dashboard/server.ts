/**
 * The dashboard's server: the page at /, the run's messages as server-sent events at /events,
 * on loopback only. A browser that connects late is sent every message so far first, so it
 * shows the whole run. Closing it ends every open stream, so nothing keeps the process alive.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { UsageError } from '../../errors.js';
import type { RunEvent } from '../../timeline/events.js';
import { pageMessage } from './messages.js';
import { dashboardPage } from './page.js';

const KEEPALIVE_MS = 15_000;

export interface Dashboard {
  url: string;
  publish(event: RunEvent): void;
  close(): Promise<void>;
}

export async function startDashboard(port: number, title: string): Promise<Dashboard> {
  const page = dashboardPage(title);
  const sent: string[] = [];
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    // Only a page that asked for this address by name: a DNS-rebinding page (another name resolved to 127.0.0.1) is refused.
    if (!hosts.has(req.headers.host ?? '')) return void res.writeHead(403).end();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      for (const frame of sent) res.write(frame);
      streams.add(res);
      res.on('close', () => streams.delete(res));
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`--dashboard: port ${port} is taken; give another (--dashboard PORT, 0 for any free port)`) : err),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  hosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`]);
  const url = `http://127.0.0.1:${bound}/`;
  const keepalive = setInterval(() => streams.forEach((s) => s.write(': keepalive\n\n')), KEEPALIVE_MS).unref();
  return {
    url,
    publish(event) {
      const message = pageMessage(event);
      if (!message) return;
      const frame = `data: ${JSON.stringify(message)}\n\n`;
      sent.push(frame);
      for (const stream of streams) stream.write(frame);
    },
    async close() {
      clearInterval(keepalive);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      streams.forEach((s) => s.end());
      sockets.forEach((s) => s.destroy());
      await closed;
    },
  };
}
