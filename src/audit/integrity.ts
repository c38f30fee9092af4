import { z } from 'zod';
import { IdentitySchema, type IdentityResult } from './identity.js';
import type { DbSnapshot } from './snapshot.js';

export interface AuditInput {
  initialQuantity: number;
  /** rows is null where the service keeps no issued records; duplicates are null where the records do not name users. */
  snapshot: Pick<DbSnapshot, 'finalQuantity'> & { rows: number | null; duplicateUsers: number | null; duplicateRows: number | null; codesHeldTwice?: number };
  /** Requests whose client was told "issued" (class success in src/outcomes.ts). */
  clientIssued: number;
  /** Requests whose fate the client never learnt (class unknown: timeouts, connection errors, interrupted). */
  clientUnknown: number;
  onePerUser: boolean;
  /** Redis-side stock and winners, for strategies that keep them. */
  redisLedger?: { stock: number | null; winners: number };
  /** Per-user reconciliation, where the rows name their users. */
  identity?: IdentityResult;
  /** A target's further probes, each against the figure it must equal. */
  probes?: ProbeCheck[];
  /**
   * The service keeps no stock number: it may issue this many in all, and the stock left in the
   * snapshot is derived from it (capacity less the issued records), not read.
   */
  capacity?: number;
}

export const ProbeCheckSchema = z.object({
  name: z.string(),
  value: z.number(),
  /** What it must equal: the final stock or the issued count, and that figure. */
  equals: z.enum(['quantity', 'issued']),
  expected: z.number(),
});
export type ProbeCheck = z.infer<typeof ProbeCheckSchema>;

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
  'code_held_twice',
  'redis_stock_mismatch',
  'redis_winners_mismatch',
  'probe_mismatch',
] as const;

export const ViolationSchema = z.object({ kind: z.enum(VIOLATION_KINDS), count: z.number(), text: z.string() });
export type Violation = z.infer<typeof ViolationSchema>;

export const AuditSchema = z.object({
  initialQuantity: z.number().int(),
  finalQuantity: z.number().int(),
  /** Issued records (R); null where the service keeps none. */
  rows: z.number().int().nullable(),
  clientIssued: z.number().int(),
  clientUnknown: z.number().int(),
  /** Q0 - R: what the stock should read if every issued row took exactly one unit (Q0 - S where there are no rows). */
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
  /** A code pool's run: rows holding a code another row holds too. */
  codesHeldTwice: z.number().int().default(0),
  /** The audit by user identity (null where rows do not name users). */
  identity: IdentitySchema.nullable(),
  /** Redis stock counter and winners, when the strategy keeps them (null otherwise). */
  redis: z.object({ stock: z.number().int().nullable(), winners: z.number().int() }).nullable(),
  /** A target's further probes, side by side with what they must equal. */
  probes: z.array(ProbeCheckSchema).default([]),
  /** The capacity audited against, for a service that keeps no stock number (null: its stock was read). */
  capacity: z.number().int().nullable().default(null),
  /** Checks the audit could not make, and why (a target without issued records, or with a count only). */
  notChecked: z.array(z.string()).default([]),
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
  const { finalQuantity: qf, rows } = snapshot;
  const decrements = q0 - qf;
  // Without issued records the client successes stand in for the rows: the stock must have
  // fallen once for each, plus at most once for each request whose outcome nobody learnt.
  const r = rows ?? s;
  const expectedRemaining = q0 - r;
  const lostDecrements = Math.max(0, r - decrements);
  const phantomDecrements = Math.max(0, decrements - r - (rows === null ? unknown : 0));
  const overIssue = Math.max(0, r - q0);
  const capacity = input.capacity;
  // Derived from the capacity, the stock left cannot disagree with the records: over-issue says it all.
  const negativeStock = capacity === undefined && qf < 0;
  const missingRows = rows === null ? 0 : Math.max(0, s - rows);
  const unconfirmedRows = rows === null ? 0 : Math.max(0, rows - s);
  const unexplainedRows = Math.max(0, unconfirmedRows - unknown);
  const duplicateUsers = input.onePerUser ? (snapshot.duplicateUsers ?? 0) : 0;
  const duplicateRows = input.onePerUser ? (snapshot.duplicateRows ?? 0) : 0;
  const notChecked: string[] = [];
  if (rows === null) notChecked.push('rows against client successes (the service keeps no issued records)');
  if (input.onePerUser && snapshot.duplicateRows === null) notChecked.push('duplicate holders (issued records do not name users)');
  if (!input.identity) notChecked.push('by user (issued records do not name users)');
  if (capacity !== undefined) notChecked.push('lost decrements (the service keeps no stock number: audited against its capacity)');

  const violations: Violation[] = [];
  const add = (kind: Violation['kind'], count: number, text: string) => violations.push({ kind, count, text });
  if (lostDecrements > 0) {
    add(
      'lost_decrements',
      lostDecrements,
      rows === null
        ? `${n(s)} clients were told "issued" but the stock fell by only ${n(decrements)} (expected remaining ${n(expectedRemaining)}, found ${n(qf)}): ${n(lostDecrements)} lost decrements`
        : `expected remaining ${n(expectedRemaining)}, found ${n(qf)}: ${n(lostDecrements)} lost decrements`,
    );
  }
  if (phantomDecrements > 0) {
    add(
      'phantom_decrements',
      phantomDecrements,
      rows === null
        ? `stock fell by ${n(decrements)} for ${n(s)} successes and ${n(unknown)} unknown outcomes: ${n(phantomDecrements)} units vanished`
        : `stock fell by ${n(decrements)} but only ${n(r)} coupons exist: ${n(phantomDecrements)} units vanished`,
    );
  }
  if (overIssue > 0)
    add(
      'over_issue',
      overIssue,
      capacity !== undefined
        ? `${n(r)} coupons issued where ${n(q0)} were left of a capacity of ${n(capacity)}: ${n(overIssue)} over-issued`
        : `${n(r)} coupons ${rows === null ? 'acknowledged' : 'issued'} from ${n(q0)} units: ${n(overIssue)} over-issued`,
    );
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

  const codesHeldTwice = snapshot.codesHeldTwice ?? 0;
  if (codesHeldTwice > 0) add('code_held_twice', codesHeldTwice, `${n(codesHeldTwice)} row${codesHeldTwice === 1 ? '' : 's'} hold a code another row holds too`);

  const ledger = input.redisLedger;
  if (ledger && ledger.stock !== qf)
    add('redis_stock_mismatch', Math.abs((ledger.stock ?? 0) - qf), `Redis stock reads ${ledger.stock === null ? 'nothing' : n(ledger.stock)}, database ${n(qf)}`);
  if (ledger && ledger.winners !== r) add('redis_winners_mismatch', Math.abs(ledger.winners - r), `Redis recorded ${n(ledger.winners)} winners, database has ${n(r)} rows`);
  const probes = input.probes ?? [];
  for (const p of probes) {
    if (p.value !== p.expected) add('probe_mismatch', Math.abs(p.value - p.expected), `${p.name} reads ${n(p.value)} but the ${p.equals === 'quantity' ? 'stock' : 'issued count'} is ${n(p.expected)}`);
  }

  const explanation =
    violations.length > 0
      ? violations.map((v) => v.text).join('; ')
      : (rows === null
          ? `stock fell by ${n(decrements)} for ${n(s)} client successes` + (decrements > s ? ` and ${n(decrements - s)} of the ${n(unknown)} requests whose outcome the client never learnt` : '')
          : (capacity !== undefined ? `capacity ${n(capacity)}, ${n(q0)} left before the load; ${n(r)} issued` : `expected remaining ${n(expectedRemaining)}, found ${n(qf)}`) +
            `; ${n(r)} rows match ${n(s)} client successes` +
            (unconfirmedRows > 0 ? ` plus ${n(unconfirmedRows)} of the ${n(unknown)} requests whose outcome the client never learnt` : '')) +
        (identity ? `; by user: ${n(identity.ok)} held as told${identity.recovered > 0 ? `, ${n(identity.recovered)} recovered from unknown outcomes` : ''}` : '') +
        (ledger ? `; Redis agrees (stock ${n(ledger.stock ?? 0)}, ${n(ledger.winners)} winners)` : '') +
        (probes.length > 0 ? `; ${probes.map((p) => `${p.name} agrees (${n(p.value)})`).join(', ')}` : '') +
        (notChecked.length > 0 ? `; not checked: ${notChecked.join(', ')}` : '');
  return {
    initialQuantity: q0,
    finalQuantity: qf,
    rows,
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
    codesHeldTwice,
    identity: identity ?? null,
    redis: ledger ?? null,
    probes,
    capacity: capacity ?? null,
    notChecked,
    violations,
    verdict: violations.length === 0 ? 'pass' : 'fail',
    explanation,
  };
}
