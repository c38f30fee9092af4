import type { IncomingMessage, ServerResponse } from 'node:http';
import { failedOutcome } from '../../strategies/failure.js';
import type { StrategyInstance } from '../../strategies/types.js';
import { encodeOutcome, observationOf, type IssueOutcome } from '../outcomes.js';
import { PhaseTimer, SERVER_TIMING_HEADER } from '../serverTiming.js';
import { noServerCounts, type ServerCounts } from './counts.js';
import { ISSUE_PATH } from './httpContract.js';

const MAX_BODY_BYTES = 4096;

export interface IssueApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  counts: ServerCounts;
}

export function createIssueApp(strategy: StrategyInstance): IssueApp {
  const counts = noServerCounts();
  const count = (key: string) => (counts.tally[key] = (counts.tally[key] ?? 0) + 1);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/health') return send(res, 200, '{"status":"ok"}');
    const match = ISSUE_PATH.exec(url);
    if (!match) return send(res, 404, '{"error":"not_found"}');
    if (req.method !== 'POST') return send(res, 405, '{"error":"method_not_allowed"}');
    readBody(req, (body) => {
      const userId = parseUserId(body);
      if (userId === undefined) return send(res, 400, '{"error":"body must be {\\"userId\\": positive integer}"}');
      const timer = new PhaseTimer();
      // A strategy that throws instead of answering gets its error classified, not relabelled.
      strategy
        .issue({ couponId: Number(match[1]), userId, timer })
        .catch((err: unknown): IssueOutcome => failedOutcome(err))
        .then((outcome) => {
          count(observationOf(outcome));
          if (outcome.warning) counts.warnings[outcome.warning]++;
          const { status, body } = encodeOutcome(outcome);
          send(res, status, body, timer.header());
        });
    }, () => send(res, 413, '{"error":"body too large"}'));
  };
  return { handle, counts };
}

function readBody(req: IncomingMessage, done: (body: string) => void, tooLarge: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => (size > MAX_BODY_BYTES ? tooLarge() : done(Buffer.concat(chunks).toString('utf8'))));
}

export function parseUserId(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { userId?: unknown };
    const id = parsed?.userId;
    return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: string, serverTiming?: string): void {
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (serverTiming) headers[SERVER_TIMING_HEADER] = serverTiming;
  res.writeHead(status, headers);
  res.end(body);
}
