import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IssueOutcome, IssueResult, StrategyInstance } from '../../strategies/types.js';
import { ISSUE_PATH, responseBody, STATUS_BY_RESULT } from './httpContract.js';

const MAX_BODY_BYTES = 4096;

/** Server-side tally of outcomes, reported to the primary at shutdown as a cross-check. */
export type OutcomeTally = Partial<Record<IssueResult | `failed:${string}` | `warning:${string}`, number>>;

export interface IssueApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  tally: OutcomeTally;
}

export function createIssueApp(strategy: StrategyInstance): IssueApp {
  const tally: OutcomeTally = {};
  const count = (outcome: IssueOutcome) => {
    const key = outcome.result === 'failed' ? (`failed:${outcome.cause}` as const) : outcome.result;
    tally[key] = (tally[key] ?? 0) + 1;
    if (outcome.warning) tally[`warning:${outcome.warning}`] = (tally[`warning:${outcome.warning}`] ?? 0) + 1;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/health') return send(res, 200, '{"status":"ok"}');
    const match = ISSUE_PATH.exec(url);
    if (!match) return send(res, 404, '{"error":"not_found"}');
    if (req.method !== 'POST') return send(res, 405, '{"error":"method_not_allowed"}');
    readBody(req, (body) => {
      const userId = parseUserId(body);
      if (userId === undefined) return send(res, 400, '{"error":"body must be {\\"userId\\": positive integer}"}');
      strategy
        .issue({ couponId: Number(match[1]), userId })
        .catch((err: unknown): IssueOutcome => ({ result: 'failed', cause: 'db_error', detail: String(err) }))
        .then((outcome) => {
          count(outcome);
          send(res, STATUS_BY_RESULT[outcome.result], responseBody(outcome));
        });
    }, () => send(res, 413, '{"error":"body too large"}'));
  };
  return { handle, tally };
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

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
