/**
 * The witness of a failing audit: the smallest set of this run's own records that cannot all be
 * true, so a reader sees the break rather than a count. Counts say "12 decrements are missing";
 * a witness says "between 3.42 s and 5.10 s the stock fell by 1, yet these 3 users were told
 * issued for requests made wholly in between".
 *
 * The contract it rests on is the HTTP contract: a request answered "issued" took its unit before
 * it was answered. A reading of the stock holds the value at some instant between when it was
 * sent and answered, so a request that began after one reading was answered and ended before the
 * next was sent took its unit between the two.
 */
import { z } from 'zod';
import type { RequestLog } from '../load/recorder.js';
import { classify } from '../outcomes.js';
import type { AuditResult } from './integrity.js';

/** Requests of a window a witness keeps (the terminal shows fewer), and users; the rest are counted, not named. */
const LISTED = 500;
const LISTED_USERS = 5;
const REQUESTS_PER_USER = 5;

/** One reading of the stock left during the load, on the load's clock (seconds). */
export const StockReadingSchema = z.object({ sentS: z.number(), answeredS: z.number(), left: z.number().int() });
export type StockReading = z.infer<typeof StockReadingSchema>;

export const WitnessRequestSchema = z.object({
  user: z.number().int(),
  startS: z.number(),
  endS: z.number(),
  observation: z.string(),
  /** The Server-Timing phases the answer named, ms. */
  phases: z.record(z.string(), z.number()).default({}),
});
export type WitnessRequest = z.infer<typeof WitnessRequestSchema>;

const UserRequestsSchema = z.object({ user: z.number().int(), held: z.number().int(), requests: z.array(WitnessRequestSchema) });

export const WitnessSchema = z.discriminatedUnion('kind', [
  /** Between two readings the stock fell by less than the requests answered "issued" wholly between them. */
  z.object({
    kind: z.literal('lost-decrements'),
    fromS: z.number(),
    toS: z.number(),
    leftBefore: z.number().int(),
    leftAfter: z.number().int(),
    /** At least this many of the listed requests' decrements are missing. */
    missing: z.number().int(),
    requests: z.array(WitnessRequestSchema),
    /** Requests of the window not listed. */
    more: z.number().int(),
  }),
  /**
   * Lost decrements the answers cannot place in a window: the records outnumber the stock's fall,
   * yet no more clients were told "issued" than it fell by (a process killed after writing a
   * record, before answering). The records beyond the answers are these users', whose requests
   * ended without an answer.
   */
  z.object({
    kind: z.literal('unanswered-records'),
    records: z.number().int(),
    fell: z.number().int(),
    told: z.number().int(),
    users: z.array(UserRequestsSchema),
    more: z.number().int(),
  }),
  /** Issued records beyond the stock: the users who hold them, in the order they were issued, and their requests. */
  z.object({ kind: z.literal('over-issue'), stock: z.number().int(), beyond: z.array(UserRequestsSchema), more: z.number().int() }),
  /** A user holding more than one where one each is the rule. */
  z.object({ kind: z.literal('held-twice'), users: z.array(UserRequestsSchema), more: z.number().int() }),
  /** Told "issued", holding none. */
  z.object({ kind: z.literal('lost-issue'), users: z.array(UserRequestsSchema), more: z.number().int() }),
  /** Holding one that no answer explains. */
  z.object({ kind: z.literal('unexpected-issue'), users: z.array(UserRequestsSchema), more: z.number().int() }),
]);
export type Witness = z.infer<typeof WitnessSchema>;

export interface WitnessInput {
  audit: AuditResult;
  log: RequestLog;
  /** Stock readings during the load, in order; the baseline and final stock are added here. */
  readings: StockReading[];
  /** When the load ended (s): every request ended by then, and the final stock was read after. */
  endS: number;
  holdings?: ReadonlyMap<number, number>;
  /** Users in the order they were first issued one (meaningless where `issueOrdered` is false). */
  issueOrder: number[];
  issueOrdered: boolean;
}

/** Every witness the audit's violations call for (none for a passing run). */
export function findWitnesses(input: WitnessInput): Witness[] {
  const { audit } = input;
  if (audit.verdict === 'pass') return [];
  const kinds = new Set(audit.violations.map((v) => v.kind));
  const witnesses: Witness[] = [];
  /** The first few of `users` with their requests; `total` of them in all (the identity check names only examples). */
  const listed = (users: number[], total = users.length) => ({ users: usersWithRequests(input, users.slice(0, LISTED_USERS)), more: total - Math.min(users.length, LISTED_USERS) });
  const lost = kinds.has('lost_decrements') ? lostDecrementWindow(input) : undefined;
  if (lost) witnesses.push(lost);
  else if (kinds.has('lost_decrements')) {
    const unanswered = unansweredHolders(input);
    witnesses.push({ kind: 'unanswered-records', records: audit.rows ?? audit.clientIssued, fell: audit.initialQuantity - audit.finalQuantity, told: audit.clientIssued, ...listed(unanswered) });
  }
  if (kinds.has('over_issue') && input.issueOrdered && input.issueOrder.length > audit.initialQuantity) {
    const { users, more } = listed(input.issueOrder.slice(audit.initialQuantity));
    witnesses.push({ kind: 'over-issue', stock: audit.initialQuantity, beyond: users, more });
  }
  if (kinds.has('duplicates') && input.holdings) witnesses.push({ kind: 'held-twice', ...listed([...input.holdings].filter(([, n]) => n > 1).map(([u]) => u)) });
  const identity = audit.identity;
  if (identity && identity.lost > 0) witnesses.push({ kind: 'lost-issue', ...listed(identity.examples.lost, identity.lost) });
  if (identity && identity.unexpected > 0) witnesses.push({ kind: 'unexpected-issue', ...listed(identity.examples.unexpected, identity.unexpected) });
  return witnesses;
}

/** Readings a window search weighs at most (every k-th is kept beyond): any subset of readings still bounds soundly. */
const MAX_READINGS = 1200;

/**
 * The window between two readings with the fewest "issued" requests wholly inside it that still
 * outnumber the stock's fall (the shorter on a tie). The baseline (read before the load) and the
 * final stock (read after it) bound the whole run, so a loss the answers show always has a window;
 * one only the records show (more records than answers "issued") has none: see unansweredHolders.
 */
function lostDecrementWindow(input: WitnessInput): Witness | undefined {
  const { audit, log } = input;
  let endS = input.endS;
  const issued: Array<{ index: number; startS: number; doneS: number }> = [];
  for (let i = 0; i < log.length; i++) {
    const startS = log.sentAtMs.get(i) / 1000;
    const doneS = startS + log.latencyMs.get(i) / 1000;
    endS = Math.max(endS, doneS);
    if (classify(log.observationOf(i)).class === 'success') issued.push({ index: i, startS, doneS });
  }
  const during = input.readings.filter((r) => r.answeredS <= endS);
  const every = Math.ceil(during.length / (MAX_READINGS - 2));
  const readings: StockReading[] = [
    { sentS: 0, answeredS: 0, left: audit.initialQuantity },
    ...during.filter((_, k) => k % every === 0),
    { sentS: endS, answeredS: endS, left: audit.finalQuantity },
  ];
  const m = readings.length;
  // inside[from][to]: requests answered "issued" that began after reading `from` was answered and
  // ended before reading `to` was sent; counted on a grid of (last reading before, first reading after).
  const grid = new Int32Array(m * m);
  for (const { startS, doneS } of issued) {
    const from = lastAtMost(readings, (r) => r.answeredS <= startS);
    const to = lastAtMost(readings, (r) => r.sentS < doneS) + 1;
    if (from < to && to < m) grid[from * m + to]!++;
  }
  // Sum over from' >= from and to' <= to, in place.
  for (let from = m - 1; from >= 0; from--) {
    for (let to = 0; to < m; to++) {
      const k = from * m + to;
      grid[k] = grid[k]! + (to > 0 ? grid[k - 1]! : 0) + (from < m - 1 ? grid[k + m]! : 0) - (to > 0 && from < m - 1 ? grid[k + m - 1]! : 0);
    }
  }
  let best: { from: number; to: number; inside: number; missing: number } | undefined;
  const spanOf = (from: number, to: number) => readings[to]!.sentS - readings[from]!.answeredS;
  for (let from = 0; from < m - 1; from++) {
    for (let to = from + 1; to < m; to++) {
      const inside = grid[from * m + to]!;
      if (best && inside > best.inside) break;
      const missing = inside - (readings[from]!.left - readings[to]!.left);
      if (missing < 1) continue;
      if (!best || inside < best.inside || spanOf(from, to) < spanOf(best.from, best.to)) best = { from, to, inside, missing };
    }
  }
  if (!best) return undefined;
  const fromS = readings[best.from]!.answeredS;
  const toS = readings[best.to]!.sentS;
  const inside = issued.filter((r) => r.startS >= fromS && r.doneS <= toS).sort((a, b) => a.startS - b.startS);
  return {
    kind: 'lost-decrements',
    fromS,
    toS,
    leftBefore: readings[best.from]!.left,
    leftAfter: readings[best.to]!.left,
    missing: best.missing,
    requests: inside.slice(0, LISTED).map((r) => requestAt(log, r.index)),
    more: Math.max(0, inside.length - LISTED),
  };
}

/** Users who hold a record and were never told "issued", and at least one of whose requests got no answer. */
function unansweredHolders({ log, holdings }: WitnessInput): number[] {
  if (!holdings) return [];
  const told = new Set<number>();
  const unanswered = new Set<number>();
  for (let i = 0; i < log.length; i++) {
    const c = classify(log.observationOf(i)).class;
    if (c === 'success') told.add(log.userId.get(i));
    else if (c === 'unknown') unanswered.add(log.userId.get(i));
  }
  return [...unanswered].filter((u) => !told.has(u) && (holdings.get(u) ?? 0) > 0).sort((a, b) => a - b);
}

/** The last index of `sorted` for which `ok` holds (ok is true up to some index, then false); -1 if none. */
function lastAtMost<T>(sorted: T[], ok: (x: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(sorted[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function requestAt(log: RequestLog, i: number): WitnessRequest {
  const startS = log.sentAtMs.get(i) / 1000;
  const phases: Record<string, number> = {};
  for (const phase of log.timingPhases) {
    const ms = log.timing(phase, i);
    if (!Number.isNaN(ms)) phases[phase] = ms;
  }
  return { user: log.userId.get(i), startS, endS: startS + log.latencyMs.get(i) / 1000, observation: log.observationOf(i), phases };
}

/** Each user with what they hold and their requests (the first few), in the order given. */
function usersWithRequests(input: WitnessInput, users: number[]): Array<z.infer<typeof UserRequestsSchema>> {
  const wanted = new Map(users.map((u) => [u, [] as WitnessRequest[]]));
  for (let i = 0; i < input.log.length; i++) {
    const list = wanted.get(input.log.userId.get(i));
    if (list && list.length < REQUESTS_PER_USER) list.push(requestAt(input.log, i));
  }
  return users.map((user) => ({ user, held: input.holdings?.get(user) ?? 0, requests: wanted.get(user)! }));
}

/** The span of the load's clock a witness is about (to shade it), where it has one. */
export function witnessSpan(w: Witness): { fromS: number; toS: number } | undefined {
  if (w.kind === 'lost-decrements') return { fromS: w.fromS, toS: w.toS };
  const requests = (w.kind === 'over-issue' ? w.beyond : w.users).flatMap((u) => u.requests.filter((r) => w.kind !== 'unanswered-records' || classify(r.observation).class === 'unknown'));
  if (requests.length === 0) return undefined;
  return { fromS: Math.min(...requests.map((r) => r.startS)), toS: Math.max(...requests.map((r) => r.endS)) };
}
