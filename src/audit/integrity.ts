import { z } from 'zod';
import { IdentitySchema, type IdentityResult } from './identity.js';
import type { DbSnapshot } from './snapshot.js';

export interface AuditInput {
  initialQuantity: number;
  snapshot: Pick<DbSnapshot, 'finalQuantity' | 'rows' | 'duplicateUsers' | 'duplicateRows'>;
  /** Requests whose client was told "issued" (class success in src/outcomes.ts). */
  clientIssued: number;
  /** Requests whose fate the client never learnt (class unknown: timeouts, connection errors, interrupted). */
  clientUnknown: number;
  onePerUser: boolean;
  /** Redis-side stock and winners, for strategies that keep them. */
  redisLedger?: { stock: number | null; winners: number };
  /** Per-user reconciliation, where the rows name their users. */
  identity?: IdentityResult;
}

export const VIOLATION_KINDS = [
  'lost_decrements',
  'phantom_decrements',
  'over_issue',
  'negative_stock',
  'missing_rows',
  'unconfirmed_rows',
  'lost_issues',
  'unexpected_issues',
  'duplicates',
  'redis_stock_mismatch',
  'redis_winners_mismatch',
] as const;

export const ViolationSchema = z.object({ kind: z.enum(VIOLATION_KINDS), count: z.number(), text: z.string() });
export type Violation = z.infer<typeof ViolationSchema>;

export const AuditSchema = z.object({
  initialQuantity: z.number().int(),
  finalQuantity: z.number().int(),
  rows: z.number().int(),
  clientIssued: z.number().int(),
  clientUnknown: z.number().int(),
  /** Q0 - R: what the stock should read if every issued row took exactly one unit. */
  expectedRemaining: z.number().int(),
  lostDecrements: z.number().int(),
  phantomDecrements: z.number().int(),
  overIssue: z.number().int(),
  negativeStock: z.boolean(),
  missingRows: z.number().int(),
  /** R - S: rows no client was told about. Explained up to clientUnknown; beyond it a violation. */
  unconfirmedRows: z.number().int(),
  /** Unconfirmed rows beyond the requests with an unknown outcome: users told "not issued" who hold one. */
  unexplainedRows: z.number().int(),
  duplicateUsers: z.number().int(),
  duplicateRows: z.number().int(),
  /** The audit by user identity (null where rows do not name users). */
  identity: IdentitySchema.nullable(),
  /** Redis stock counter and winners, when the strategy keeps them (null otherwise). */
  redis: z.object({ stock: z.number().int().nullable(), winners: z.number().int() }).nullable(),
  violations: z.array(ViolationSchema),
  verdict: z.enum(['pass', 'fail']),
  /** The arithmetic in a person's words. */
  explanation: z.string(),
});
export type AuditResult = z.infer<typeof AuditSchema>;

const n = (x: number) => x.toLocaleString('en-US');

/** The audit arithmetic of the design: pure, so the tests can check every branch. */
export function checkIntegrity(input: AuditInput): AuditResult {
  const { initialQuantity: q0, snapshot, clientIssued: s, clientUnknown: unknown } = input;
  const { finalQuantity: qf, rows: r } = snapshot;
  const decrements = q0 - qf;
  const expectedRemaining = q0 - r;
  const lostDecrements = Math.max(0, r - decrements);
  const phantomDecrements = Math.max(0, decrements - r);
  const overIssue = Math.max(0, r - q0);
  const negativeStock = qf < 0;
  const missingRows = Math.max(0, s - r);
  const unconfirmedRows = Math.max(0, r - s);
  const unexplainedRows = Math.max(0, unconfirmedRows - unknown);
  const duplicateUsers = input.onePerUser ? snapshot.duplicateUsers : 0;
  const duplicateRows = input.onePerUser ? snapshot.duplicateRows : 0;

  const violations: Violation[] = [];
  const add = (kind: Violation['kind'], count: number, text: string) => violations.push({ kind, count, text });
  if (lostDecrements > 0) add('lost_decrements', lostDecrements, `expected remaining ${n(expectedRemaining)}, found ${n(qf)}: ${n(lostDecrements)} lost decrements`);
  if (phantomDecrements > 0) add('phantom_decrements', phantomDecrements, `stock fell by ${n(decrements)} but only ${n(r)} coupons exist: ${n(phantomDecrements)} units vanished`);
  if (overIssue > 0) add('over_issue', overIssue, `${n(r)} coupons issued from ${n(q0)} units: ${n(overIssue)} over-issued`);
  if (negativeStock) add('negative_stock', -qf, `stock is negative: ${n(qf)}`);
  if (missingRows > 0) add('missing_rows', missingRows, `${n(s)} clients were told "issued" but only ${n(r)} rows exist: ${n(missingRows)} missing`);
  if (unexplainedRows > 0)
    add(
      'unconfirmed_rows',
      unexplainedRows,
      `${n(r)} rows but only ${n(s)} clients were told "issued" and ${n(unknown)} never learnt their outcome: ` +
        `${n(unexplainedRows)} rows belong to users told "not issued"`,
    );
  const identity = input.identity;
  const users = (ids: number[], total: number) => `user${total === 1 ? '' : 's'} ${ids.join(', ')}${total > ids.length ? ', ...' : ''}`;
  if (identity && identity.lost > 0)
    add('lost_issues', identity.lost, `${n(identity.lost)} issues acknowledged but not held: told "issued", holding none (${users(identity.examples.lost, identity.lost)})`);
  if (identity && identity.unexpected > 0)
    add('unexpected_issues', identity.unexpected, `${n(identity.unexpected)} coupons held that no answer explains: told "not issued", or never asked (${users(identity.examples.unexpected, identity.unexpected)})`);
  if (duplicateRows > 0) {
    const users = duplicateUsers === 1 ? '1 user holds' : `${n(duplicateUsers)} users hold`;
    add('duplicates', duplicateRows, `${users} more than one coupon (${n(duplicateRows)} extra row${duplicateRows === 1 ? '' : 's'})`);
  }

  const ledger = input.redisLedger;
  if (ledger && ledger.stock !== qf)
    add('redis_stock_mismatch', Math.abs((ledger.stock ?? 0) - qf), `Redis stock reads ${ledger.stock === null ? 'nothing' : n(ledger.stock)}, database ${n(qf)}`);
  if (ledger && ledger.winners !== r) add('redis_winners_mismatch', Math.abs(ledger.winners - r), `Redis recorded ${n(ledger.winners)} winners, database has ${n(r)} rows`);

  const explanation =
    violations.length > 0
      ? violations.map((v) => v.text).join('; ')
      : `expected remaining ${n(expectedRemaining)}, found ${n(qf)}; ${n(r)} rows match ${n(s)} client successes` +
        (unconfirmedRows > 0 ? ` plus ${n(unconfirmedRows)} of the ${n(unknown)} requests whose outcome the client never learnt` : '') +
        (identity ? `; by user: ${n(identity.ok)} held as told${identity.recovered > 0 ? `, ${n(identity.recovered)} recovered from unknown outcomes` : ''}` : '') +
        (ledger ? `; Redis agrees (stock ${n(ledger.stock ?? 0)}, ${n(ledger.winners)} winners)` : '');
  return {
    initialQuantity: q0,
    finalQuantity: qf,
    rows: r,
    clientIssued: s,
    clientUnknown: unknown,
    expectedRemaining,
    lostDecrements,
    phantomDecrements,
    overIssue,
    negativeStock,
    missingRows,
    unconfirmedRows,
    unexplainedRows,
    duplicateUsers,
    duplicateRows,
    identity: identity ?? null,
    redis: ledger ?? null,
    violations,
    verdict: violations.length === 0 ? 'pass' : 'fail',
    explanation,
  };
}
