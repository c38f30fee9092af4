/**
 * Reads one HTTP/1.1 response at a time off a keep-alive connection, keeping only what the
 * driver uses: the status, the body (for the plan's decode), the Server-Timing header and whether
 * the server closes the connection. No header object per response: a header line is looked at
 * only when its name has the length of one of the four names wanted.
 */

export interface HttpResponse {
  status: number;
  body: string;
  /** Every Server-Timing header line, joined with ", " as one header (RFC 9110 field combination). */
  serverTiming: string | undefined;
  /** The server said `Connection: close` (or spoke HTTP/1.0 without keep-alive): open a new connection. */
  close: boolean;
}

/** The response could not be read as HTTP/1.1. */
export class ResponseSyntaxError extends Error {}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;

interface Head {
  status: number;
  serverTiming: string | undefined;
  close: boolean;
  /** Body bytes, or how the body ends. */
  length: number | 'chunked' | 'until-close';
  bodyStart: number;
}

export class ResponseReader {
  private buffer: Buffer | undefined;
  private head: Head | undefined;
  /** Chunked bodies: where the next chunk-size line starts, and the chunks read so far. */
  private chunkAt = 0;
  private chunks: Buffer[] = [];
  /** The request was a HEAD: whatever the headers say, no body follows. */
  private noBody = false;

  /** Before each request: forget the last response. */
  expect(method: string): void {
    this.buffer = undefined;
    this.head = undefined;
    this.chunks = [];
    this.noBody = method === 'HEAD';
  }

  /**
   * Feed bytes off the socket: the response once it is complete. Throws ResponseSyntaxError.
   * `chunk` may be a view of a buffer the socket reads every connection into (net's `onread`): it
   * is read now, and copied only when the response is not complete yet.
   */
  push(chunk: Buffer): HttpResponse | undefined {
    this.buffer = this.buffer === undefined ? chunk : Buffer.concat([this.buffer, chunk]);
    const response = this.parse();
    if (response === undefined && this.buffer.buffer === chunk.buffer) this.buffer = Buffer.from(this.buffer);
    return response;
  }

  private parse(): HttpResponse | undefined {
    if (this.buffer === undefined) return undefined;
    for (;;) {
      if (!this.head) {
        const end = this.buffer.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buffer.length > MAX_HEAD_BYTES) throw new ResponseSyntaxError(`response head over ${MAX_HEAD_BYTES} bytes`);
          return undefined;
        }
        const head = parseHead(this.buffer.toString('latin1', 0, end), end + 4, this.noBody);
        if (head.status >= 100 && head.status < 200) {
          this.buffer = this.buffer.subarray(end + 4); // 100 Continue and other interim answers: the real one follows
          continue;
        }
        this.head = head;
        this.chunkAt = head.bodyStart;
      }
      return this.body(this.head, this.buffer);
    }
  }

  /** The connection ended: the response, if its body was the rest of the connection. */
  ended(): HttpResponse | undefined {
    const head = this.head;
    if (!head || head.length !== 'until-close' || !this.buffer) return undefined;
    return { status: head.status, body: this.buffer.toString('utf8', head.bodyStart), serverTiming: head.serverTiming, close: true };
  }

  private body(head: Head, buffer: Buffer): HttpResponse | undefined {
    const done = (body: string): HttpResponse => ({ status: head.status, body, serverTiming: head.serverTiming, close: head.close });
    if (typeof head.length === 'number') {
      const end = head.bodyStart + head.length;
      return buffer.length >= end ? done(buffer.toString('utf8', head.bodyStart, end)) : undefined;
    }
    if (head.length === 'until-close') return undefined;
    for (;;) {
      const lineEnd = buffer.indexOf(CRLF, this.chunkAt);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.toString('latin1', this.chunkAt, lineEnd), 16); // a ";extension" after the size is ignored
      if (!Number.isFinite(size) || size < 0) throw new ResponseSyntaxError('bad chunk size');
      if (size === 0) {
        // Trailers (rare) end with an empty line; no trailers is the empty line at once.
        const trailersEnd = buffer.indexOf(CRLF, lineEnd + 2) === lineEnd + 2 ? lineEnd + 4 : buffer.indexOf(HEAD_END, lineEnd + 2);
        if (trailersEnd < 0 || trailersEnd > buffer.length) return undefined;
        return done(Buffer.concat(this.chunks).toString('utf8'));
      }
      const dataEnd = lineEnd + 2 + size;
      if (buffer.length < dataEnd + 2) return undefined;
      this.chunks.push(Buffer.from(buffer.subarray(lineEnd + 2, dataEnd))); // a copy: `buffer` may be the socket's
      this.chunkAt = dataEnd + 2;
    }
  }
}

function parseHead(text: string, bodyStart: number, noBody: boolean): Head {
  if (!text.startsWith('HTTP/1.')) throw new ResponseSyntaxError(`not an HTTP/1.x response: ${JSON.stringify(text.slice(0, 40))}`);
  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status)) throw new ResponseSyntaxError(`bad status line: ${JSON.stringify(text.split('\r\n', 1)[0])}`);
  const http10 = text.charCodeAt(7) === 0x30;
  let close = http10;
  let contentLength: number | undefined;
  let chunked = false;
  let serverTiming: string | undefined;
  let at = text.indexOf('\r\n') + 2;
  while (at > 1 && at < text.length) {
    const next = text.indexOf('\r\n', at);
    const lineEnd = next < 0 ? text.length : next;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < lineEnd) {
      const nameLength = colon - at;
      if (nameLength === 14 || nameLength === 17 || nameLength === 10 || nameLength === 13) {
        const name = text.slice(at, colon).toLowerCase();
        const value = text.slice(colon + 1, lineEnd).trim();
        if (name === 'content-length') contentLength = Number(value);
        else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
        else if (name === 'connection') close = /close/i.test(value) || (http10 && !/keep-alive/i.test(value));
        else if (name === 'server-timing') serverTiming = serverTiming === undefined ? value : `${serverTiming}, ${value}`;
      }
    }
    at = lineEnd + 2;
  }
  const bodyless = noBody || status === 204 || status === 304;
  let length: Head['length'];
  if (bodyless) length = 0;
  else if (chunked) length = 'chunked';
  else if (contentLength !== undefined) {
    if (!Number.isInteger(contentLength) || contentLength < 0) throw new ResponseSyntaxError('bad Content-Length');
    length = contentLength;
  } else length = 'until-close';
  return { status, serverTiming, close: close || length === 'until-close', length, bodyStart };
}
