import type { RowDataPacket } from 'mysql2/promise';
import { connect } from '../db/connect.js';

export { checkFairness, countInversions, type FairnessResult } from './fairness.js';

/** What the database holds for the coupon after the load has drained. */
export interface DbSnapshot {
  finalQuantity: number;
  rows: number;
  /** Users holding more than one coupon, and the extra rows they hold. */
  duplicateUsers: number;
  duplicateRows: number;
  /** Distinct users in the order they were first issued a coupon (user_coupon id order). */
  issueOrder: number[];
}

export interface AuditInput {
  initialQuantity: number;
  snapshot: DbSnapshot;
  /** 200s the clients received. */
  clientIssued: number;
  /** Requests whose fate the client never learnt (timeouts, connection errors, interrupted). */
  clientUnknown: number;
  onePerUser: boolean;
  /** Redis-side stock and winners, for strategies that keep them. */
  redisLedger?: { stock: number | null; winners: number };
}

export type ViolationKind =
  | 'lost_decrements'
  | 'phantom_decrements'
  | 'over_issue'
  | 'negative_stock'
  | 'missing_rows'
  | 'duplicates'
  | 'redis_stock_mismatch'
  | 'redis_winners_mismatch';

export interface Violation {
  kind: ViolationKind;
  count: number;
  text: string;
}

export interface AuditResult {
  initialQuantity: number;
  finalQuantity: number;
  rows: number;
  clientIssued: number;
  /** Q0 - R: what the stock should read if every issued row took exactly one unit. */
  expectedRemaining: number;
  lostDecrements: number;
  phantomDecrements: number;
  overIssue: number;
  negativeStock: boolean;
  missingRows: number;
  /** Rows no client was told about; fine when explained by timeouts or interrupted requests. */
  unconfirmedRows: number;
  duplicateUsers: number;
  duplicateRows: number;
  /** Redis stock counter and winners, when the strategy keeps them (null otherwise). */
  redis: { stock: number | null; winners: number } | null;
  violations: Violation[];
  verdict: 'pass' | 'fail';
  /** The arithmetic in a person's words. */
  explanation: string;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The audit arithmetic of the design: pure, so the tests can check every branch. */
export function checkIntegrity(input: AuditInput): AuditResult {
  const { initialQuantity: q0, snapshot, clientIssued: s } = input;
  const { finalQuantity: qf, rows: r } = snapshot;
  const decrements = q0 - qf;
  const expectedRemaining = q0 - r;
  const lostDecrements = Math.max(0, r - decrements);
  const phantomDecrements = Math.max(0, decrements - r);
  const overIssue = Math.max(0, r - q0);
  const negativeStock = qf < 0;
  const missingRows = Math.max(0, s - r);
  const unconfirmedRows = Math.max(0, r - s);
  const duplicateUsers = input.onePerUser ? snapshot.duplicateUsers : 0;
  const duplicateRows = input.onePerUser ? snapshot.duplicateRows : 0;

  const violations: Violation[] = [];
  if (lostDecrements > 0)
    violations.push({ kind: 'lost_decrements', count: lostDecrements, text: `expected remaining ${n(expectedRemaining)}, found ${n(qf)}: ${n(lostDecrements)} lost decrements` });
  if (phantomDecrements > 0)
    violations.push({ kind: 'phantom_decrements', count: phantomDecrements, text: `stock fell by ${n(decrements)} but only ${n(r)} coupons exist: ${n(phantomDecrements)} units vanished` });
  if (overIssue > 0)
    violations.push({ kind: 'over_issue', count: overIssue, text: `${n(r)} coupons issued from ${n(q0)} units: ${n(overIssue)} over-issued` });
  if (negativeStock) violations.push({ kind: 'negative_stock', count: -qf, text: `stock is negative: ${n(qf)}` });
  if (missingRows > 0)
    violations.push({ kind: 'missing_rows', count: missingRows, text: `${n(s)} clients were told "issued" but only ${n(r)} rows exist: ${n(missingRows)} missing` });
  if (duplicateRows > 0)
    violations.push({ kind: 'duplicates', count: duplicateRows, text: `${n(duplicateUsers)} users hold more than one coupon (${n(duplicateRows)} extra rows)` });

  const ledger = input.redisLedger;
  if (ledger && ledger.stock !== qf)
    violations.push({ kind: 'redis_stock_mismatch', count: Math.abs((ledger.stock ?? 0) - qf), text: `Redis stock reads ${ledger.stock === null ? 'nothing' : n(ledger.stock)}, database ${n(qf)}` });
  if (ledger && ledger.winners !== r)
    violations.push({ kind: 'redis_winners_mismatch', count: Math.abs(ledger.winners - r), text: `Redis recorded ${n(ledger.winners)} winners, database has ${n(r)} rows` });

  const explanation =
    violations.length > 0
      ? violations.map((v) => v.text).join('; ')
      : `expected remaining ${n(expectedRemaining)}, found ${n(qf)}; ${n(r)} rows match ${n(s)} client successes` +
        (unconfirmedRows > 0 ? ` plus ${n(unconfirmedRows)} whose response the client never saw (${n(input.clientUnknown)} timeouts/interrupted)` : '') +
        (ledger ? `; Redis agrees (stock ${n(ledger.stock ?? 0)}, ${n(ledger.winners)} winners)` : '');
  return {
    initialQuantity: q0,
    finalQuantity: qf,
    rows: r,
    clientIssued: s,
    expectedRemaining,
    lostDecrements,
    phantomDecrements,
    overIssue,
    negativeStock,
    missingRows,
    unconfirmedRows,
    duplicateUsers,
    duplicateRows,
    redis: ledger ?? null,
    violations,
    verdict: violations.length === 0 ? 'pass' : 'fail',
    explanation,
  };
}

export async function snapshotDatabase(databaseUrl: string, couponId: number): Promise<DbSnapshot> {
  const conn = await connect(databaseUrl);
  try {
    const [coupon] = await conn.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ?', [couponId]);
    if (coupon.length === 0) throw new Error(`coupon ${couponId} disappeared before the audit`);
    const [count] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM user_coupon WHERE coupon_id = ?', [couponId]);
    const [dups] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS users, COALESCE(SUM(c - 1), 0) AS extra
         FROM (SELECT COUNT(*) AS c FROM user_coupon WHERE coupon_id = ? GROUP BY user_id HAVING COUNT(*) > 1) d`,
      [couponId],
    );
    const [order] = await conn.query<RowDataPacket[]>(
      'SELECT user_id AS u, MIN(id) AS first FROM user_coupon WHERE coupon_id = ? GROUP BY user_id ORDER BY first',
      [couponId],
    );
    return {
      issueOrder: order.map((r) => Number(r.u)),
      finalQuantity: Number(coupon[0]!.quantity),
      rows: Number(count[0]!.n),
      duplicateUsers: Number(dups[0]!.users),
      duplicateRows: Number(dups[0]!.extra),
    };
  } finally {
    await conn.end();
  }
}
