/**
 * A server that answers every request at once; the driver benchmark's target. Run as a child.
 * `http` (the default) is node:http; `raw` (argv[2]) reads the request's framing off the socket and
 * writes a canned answer, at a fraction of node:http's CPU and memory per connection: the target
 * for tens of thousands of VUs, where node:http would be the bottleneck being measured.
 */
import http from 'node:http';
import net from 'node:net';

const body = '{"result":"issued"}';
// A Server-Timing header like the embedded server's, so the driver parses and keeps one per request.
const headers = { 'content-type': 'application/json', 'content-length': body.length, 'server-timing': 'lock;dur=0.05, cs;dur=0.02, total;dur=0.08' };
const KEEP_ALIVE_MS = 120_000;

function httpServer(): net.Server {
  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

const ANSWER = Buffer.from(`HTTP/1.1 200 OK\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}connection: keep-alive\r\n\r\n${body}`);
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** One answer per request read: a head, then as many body bytes as its Content-Length says. */
function rawServer(): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const length = Number(CONTENT_LENGTH.exec(pending.slice(0, headEnd))?.[1] ?? 0);
        const end = headEnd + 4 + length;
        if (pending.length < end) return;
        pending = pending.slice(end);
        socket.write(ANSWER);
      }
    });
    socket.on('error', () => socket.destroy());
  });
}

// argv: the kind, and how many ports to listen on (each a server of its own, one process).
const kind = process.argv[2];
const count = Number(process.argv[3] ?? 1);
const listening = Array.from({ length: count }, () => {
  const server = kind === 'raw' ? rawServer() : httpServer();
  // Thousands of VUs connect each second of a ramp: a backlog of Node's default 511 overflows, and
  // each connection dropped from it waits for TCP's retransmission (1 s, then 3 s) on its first request.
  return new Promise<number>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 65_535 }, () => resolve((server.address() as net.AddressInfo).port)));
});
void Promise.all(listening).then((ports) => process.send?.({ ports }));
process.on('disconnect', () => process.exit(0));
