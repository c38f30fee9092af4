/**
 * One keep-alive HTTP/1.1 connection that sends exactly when told: `send()` puts one request on
 * the wire and nothing else does. A raw socket, one write per request, and a reader that keeps
 * only the status, body and Server-Timing (src/load/httpResponse.ts): the driver's cost per
 * request is this file and the plan's build and decode.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tlsConnectOptions, type TlsClientOptions } from '../service/tls.js';
import { performance } from 'node:perf_hooks';
import { ResponseReader, ResponseSyntaxError, type HttpResponse } from './httpResponse.js';
import type { OutgoingRequest } from './requestPlan.js';

export interface PacedConnectionOptions {
  hostname: string;
  port: number;
  /** HTTPS: a TLS connection with these options (the handshake is part of the first request's latency). */
  tls?: TlsClientOptions;
  timeoutMs: number;
  /** Built for each request. */
  request: () => OutgoingRequest;
  /** `serverTiming` is the response's Server-Timing header, if it had one. */
  onResponse(status: number, body: string, latencyMs: number, serverTiming: string | undefined): void;
  /** No response within timeoutMs: the connection is closed and the next send() opens a new one. */
  onTimeout(): void;
  /**
   * `code` is the socket error's (ECONNREFUSED, EMFILE, ...), ECLOSED when the server closed the
   * connection with a request in flight, or EPROTO when the answer was not HTTP/1.1.
   */
  onConnError(code: string): void;
}

/** Every plain connection reads into this one buffer and is read from it at once (see ResponseReader.push). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class PacedConnection {
  private socket: Socket | undefined;
  private readonly reader = new ResponseReader();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private sentAt = 0;
  private readonly host: string;

  constructor(private readonly opts: PacedConnectionOptions) {
    this.host = `${opts.hostname}:${opts.port}`;
  }

  /** Put one request on the wire (opening the connection first if there is none). */
  send(): void {
    if (this.inFlight) throw new Error('send() while a request is in flight');
    this.inFlight = true;
    // One timer per connection, re-armed per request (no allocation); it fires only when a request is in flight too long.
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.inFlight && this.timedOut(), this.opts.timeoutMs);
    const request = this.opts.request();
    this.reader.expect(request.method);
    const socket = this.socket ?? this.open();
    this.sentAt = performance.now();
    socket.write(serialize(request, this.host));
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = false;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const { tls } = this.opts;
    // A TLS socket holds what is written until its handshake is done.
    let socket: Socket;
    if (tls) {
      socket = tlsConnect(tlsConnectOptions(this.opts.hostname, this.opts.port, tls));
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => this.read(socket, chunk));
    } else {
      // Read into the one buffer every connection of this thread shares (no Buffer and no 'data' event per response).
      const onread = {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.read(socket, Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          return true;
        },
      };
      socket = connect({ host: this.opts.hostname, port: this.opts.port, noDelay: true, onread });
    }
    socket.on('error', (err: NodeJS.ErrnoException) => this.lost(socket, err.code ?? 'ERROR'));
    socket.on('close', () => this.lost(socket, 'ECLOSED'));
    this.socket = socket;
    return socket;
  }

  private read(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket || !this.inFlight) return;
    let response: HttpResponse | undefined;
    try {
      response = this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof ResponseSyntaxError)) throw err;
      this.lost(socket, 'EPROTO');
      return;
    }
    if (response) this.answered(socket, response);
  }

  private answered(socket: Socket, response: HttpResponse): void {
    if (response.close) {
      this.socket = undefined;
      socket.destroy();
    }
    const latencyMs = performance.now() - this.sentAt;
    this.inFlight = false; // the timer stays armed; it ignores a connection with nothing in flight
    this.opts.onResponse(response.status, response.body, latencyMs, response.serverTiming);
  }

  /** The socket failed or closed: a request in flight on it ends with `code` (unless the close was its body's end). */
  private lost(socket: Socket, code: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    socket.destroy();
    if (!this.inFlight) return;
    const response = code === 'ECLOSED' ? this.reader.ended() : undefined;
    if (response) {
      this.answered(socket, response);
      return;
    }
    this.inFlight = false;
    this.opts.onConnError(code);
  }

  private timedOut(): void {
    this.close();
    this.opts.onTimeout();
  }
}

/**
 * Headers that frame the message on a kept-alive connection: couponbench writes them itself. A
 * plan's own Content-Length or Transfer-Encoding would make the server read the body as a second
 * request and pair every later answer with the wrong request.
 */
export const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'connection'];

/** The request as it goes on the wire: Host added unless the plan set it; the framing always ours. */
export function serialize(request: OutgoingRequest, host: string): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (const name in request.headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') hasHost = true;
    else if (FRAMING_HEADERS.includes(lower)) continue;
    head += `${name}: ${request.headers[name]}\r\n`;
  }
  if (!hasHost) head += `Host: ${host}\r\n`;
  const body = request.body ?? '';
  if (body.length > 0 || request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  }
  return `${head}Connection: keep-alive\r\n\r\n${body}`;
}
