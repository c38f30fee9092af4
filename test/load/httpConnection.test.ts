/**
 * The framing of a request is couponbench's own (issue 24, item 7): a plan's Content-Length or
 * Transfer-Encoding is never sent, so a body cannot be read as a second request and answers
 * cannot be paired with the wrong requests. Against a real node:http server.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PacedConnection } from '../../src/load/httpConnection.js';
import { TargetFileSchema, describeIssues } from '../../src/service/schema.js';

describe('request framing', () => {
  it('sends the Content-Length of the body whatever the plan says: a smuggled request stays a body', async () => {
    const seen: Array<{ url: string; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ url: req.url!, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const smuggled = `{"userId": 1}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`;
    const statuses: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const connection = new PacedConnection({
      hostname: '127.0.0.1',
      port,
      timeoutMs: 5000,
      request: () => ({ method: 'POST', path: '/issue', headers: { 'Content-Length': '14', 'transfer-encoding': 'chunked', 'content-type': 'application/json' }, body: smuggled }),
      onResponse: (status) => {
        statuses.push(status);
        if (statuses.length < 3) connection.send();
        else done();
      },
      onTimeout: () => done(),
      onConnError: () => done(),
    });
    connection.send();
    await finished;
    connection.close();
    await new Promise((resolve) => server.close(resolve));
    expect(statuses).toEqual([200, 200, 200]);
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ url: '/issue', body: smuggled })));
  });

  it('a target file that sets a framing header is refused, naming it', () => {
    const parsed = TargetFileSchema.safeParse({
      name: 'x',
      request: { url: 'http://127.0.0.1:1/i', headers: { 'Content-Length': '0', 'Transfer-Encoding': 'chunked' }, body: '{}' },
      outcomes: [{ status: 200, outcome: 'issued' }],
      redis: 'redis://127.0.0.1:1',
      audit: { quantity: { redis: 'GET q' } },
    });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toBe(
      'request.headers.Content-Length: Content-Length frames the message: couponbench computes it from the body (leave it out); ' +
        'request.headers.Transfer-Encoding: Transfer-Encoding frames the message: couponbench computes it from the body (leave it out)',
    );
  });
});
