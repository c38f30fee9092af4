/**
 * The driver's HTTP/1.1 reader, fed real response bytes split at every possible point, and the
 * connection around it against real servers: chunked bodies, a server that closes after its
 * answer, one whose body runs to the close, one that hangs up mid-request, one that is not HTTP.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { PacedConnection } from '../../src/load/httpConnection.js';
import { ResponseReader, ResponseSyntaxError, type HttpResponse } from '../../src/load/httpResponse.js';

/** As the socket hands bytes over (net's `onread`): a view of one buffer, overwritten once read. */
const socketBuffer = Buffer.alloc(64 * 1024);
function viaSocketBuffer(reader: ResponseReader, bytes: Buffer): HttpResponse | undefined {
  bytes.copy(socketBuffer);
  const response = reader.push(socketBuffer.subarray(0, bytes.length));
  socketBuffer.fill(0x7e);
  return response;
}

/** Every way to cut `wire` in two, each fed to a fresh reader: all must read the same response. */
function readSplit(wire: string, method = 'POST'): HttpResponse[] {
  const bytes = Buffer.from(wire);
  const read: HttpResponse[] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const reader = new ResponseReader();
    reader.expect(method);
    const first = cut > 0 ? viaSocketBuffer(reader, bytes.subarray(0, cut)) : undefined;
    const response = first ?? (cut < bytes.length ? viaSocketBuffer(reader, bytes.subarray(cut)) : undefined);
    if (first) expect(cut).toBe(bytes.length); // complete only once the last byte is in
    read.push(response!);
  }
  return read;
}

describe('ResponseReader', () => {
  it('reads a Content-Length body, with Server-Timing lines joined, wherever the bytes are cut', () => {
    const wire = 'HTTP/1.1 201 Created\r\nServer-Timing: lock;dur=1.5\r\ncontent-length: 17\r\nSERVER-TIMING: total;dur=3\r\n\r\n{"result":"issué"}';
    for (const r of readSplit(wire.replace('17', String(Buffer.byteLength('{"result":"issué"}'))))) {
      expect(r).toEqual({ status: 201, body: '{"result":"issué"}', serverTiming: 'lock;dur=1.5, total;dur=3', close: false });
    }
  });

  it('reads a chunked body with a chunk extension and trailers, after a 100 Continue, wherever the bytes are cut', () => {
    const wire = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{"err\r\nb\r\nor":"busy"}\r\n0\r\nX-Trailer: 1\r\n\r\n';
    for (const r of readSplit(wire)) expect(r).toEqual({ status: 409, body: '{"error":"busy"}', serverTiming: undefined, close: false });
  });

  it('knows when no body follows (HEAD, 204) and when the server closes (Connection: close, HTTP/1.0)', () => {
    expect(readSplit('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 'HEAD')[0]).toMatchObject({ status: 200, body: '' });
    expect(readSplit('HTTP/1.1 204 No Content\r\n\r\n')[0]).toMatchObject({ status: 204, body: '', close: false });
    expect(readSplit('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok')[0]).toMatchObject({ close: true });
    expect(readSplit('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok')[0]).toMatchObject({ close: true });
    expect(readSplit('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok')[0]).toMatchObject({ close: false });
  });

  it('refuses what is not HTTP/1.x', () => {
    const reader = new ResponseReader();
    reader.expect('GET');
    expect(() => reader.push(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n'))).toThrow(ResponseSyntaxError);
  });
});

const servers: Array<http.Server | net.Server> = [];
afterAll(() => servers.forEach((s) => s.close()));

async function listen<S extends http.Server | net.Server>(server: S): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Send `count` requests one after another on one PacedConnection; what each ended as. */
async function exchange(port: number, count: number): Promise<string[]> {
  const ends: string[] = [];
  await new Promise<void>((done) => {
    const next = (what: string) => {
      ends.push(what);
      if (ends.length === count) {
        connection.close();
        done();
      } else connection.send();
    };
    const connection = new PacedConnection({
      hostname: '127.0.0.1',
      port,
      timeoutMs: 2000,
      request: () => ({ method: 'POST', path: '/claim', headers: { 'content-type': 'application/json' }, body: '{"userId":7}' }),
      onResponse: (status, body, latencyMs, serverTiming) => {
        expect(latencyMs).toBeGreaterThan(0);
        next(`${status} ${body}${serverTiming ? ` [${serverTiming}]` : ''}`);
      },
      onTimeout: () => next('timeout'),
      onConnError: (code) => next(code),
    });
    connection.send();
  });
  return ends;
}

describe('PacedConnection', () => {
  it('keeps one connection for chunked answers, and sends Host and Content-Length', async () => {
    const sockets = new Set<unknown>();
    const port = await listen(
      http.createServer((req, res) => {
        sockets.add(req.socket);
        let body = '';
        req.on('data', (c) => (body += c)).on('end', () => {
          res.setHeader('Server-Timing', 'lock;dur=2');
          res.write(`{"host":"${req.headers.host}",`);
          res.end(`"length":${req.headers['content-length']},"echo":${body}}`);
        });
      }),
    );
    const ends = await exchange(port, 3);
    expect(ends).toEqual(Array(3).fill(`200 {"host":"127.0.0.1:${port}","length":12,"echo":{"userId":7}} [lock;dur=2]`));
    expect(sockets.size).toBe(1);
  });

  it('opens a new connection after Connection: close, and reads a body that runs to the close', async () => {
    let connections = 0;
    const port = await listen(
      net.createServer((socket) => {
        connections++;
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"result":"issued"}'));
      }),
    );
    expect(await exchange(port, 3)).toEqual(Array(3).fill('200 {"result":"issued"}'));
    expect(connections).toBe(3);
  });

  it('ends a request as ECLOSED when the server hangs up on it, EPROTO when the answer is not HTTP, and times out a silent one', async () => {
    const hangUp = await listen(net.createServer((socket) => socket.once('data', () => socket.end())));
    expect(await exchange(hangUp, 2)).toEqual(['ECLOSED', 'ECLOSED']);
    const garbage = await listen(net.createServer((socket) => socket.once('data', () => socket.write('220 smtp.example ESMTP\r\n\r\n'))));
    expect(await exchange(garbage, 1)).toEqual(['EPROTO']);
    const silent = await listen(net.createServer(() => {}));
    const refused = await listen(net.createServer());
    servers.pop()!.close();
    expect(await exchange(refused, 1)).toEqual(['ECONNREFUSED']);
    const started = Date.now();
    expect(await exchange(silent, 1)).toEqual(['timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });
});
