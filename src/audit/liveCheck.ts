/**
 * Violations found while the load still runs, from what is known then: the answers so far and
 * the stock as last read. Each is a lower bound the final audit can only confirm or raise; a
 * correct system never trips one (the rules are the witness's, src/audit/witness.ts, taken from
 * the start of the run to the latest reading).
 *
 * - lost decrements: a request answered "issued" that ended before a reading was sent took its
 *   unit before that reading, so the stock then is at most Q0 minus those requests;
 * - over-issue: more clients told "issued" than there were units;
 * - negative stock: a reading below zero.
 */
import type { RequestLog } from '../load/recorder.js';
import { classify } from '../outcomes.js';
import type { StockReading } from './witness.js';

export type LiveViolation =
  | { kind: 'lost-decrements'; atLeast: number; readS: number; left: number; toldBefore: number }
  | { kind: 'over-issue'; atLeast: number; told: number }
  | { kind: 'negative-stock'; atLeast: number; readS: number; left: number };
export type LiveViolationKind = LiveViolation['kind'];

/**
 * A checker for one run on `quantity` units: each call reads the log entries added since the
 * last and returns each violation found, or grown to at least twice what was last returned.
 */
export function liveChecker(quantity: number): (log: RequestLog, reading: StockReading | null) => LiveViolation[] {
  let seen = 0;
  let told = 0;
  /** When each "issued" answer came, for those not yet known to precede a reading. */
  let pending: number[] = [];
  let toldBeforeReading = 0;
  const worst: Record<LiveViolationKind, number> = { 'lost-decrements': 0, 'over-issue': 0, 'negative-stock': 0 };
  return (log, reading) => {
    for (let i = seen; i < log.length; i++) {
      if (classify(log.observationOf(i)).class !== 'success') continue;
      told++;
      pending.push((log.sentAtMs.get(i) + log.latencyMs.get(i)) / 1000);
    }
    seen = log.length;
    const found: LiveViolation[] = [];
    // Said when first found, then each time it has at least doubled: a line per doubling, not per second.
    const grew = (v: LiveViolation) => {
      if (v.atLeast <= 0 || v.atLeast < 2 * worst[v.kind]) return;
      worst[v.kind] = v.atLeast;
      found.push(v);
    };
    if (reading) {
      const later = pending.filter((doneS) => doneS >= reading.sentS);
      toldBeforeReading += pending.length - later.length;
      pending = later;
      grew({ kind: 'lost-decrements', atLeast: toldBeforeReading - (quantity - reading.left), readS: reading.sentS, left: reading.left, toldBefore: toldBeforeReading });
      grew({ kind: 'negative-stock', atLeast: -reading.left, readS: reading.sentS, left: reading.left });
    }
    grew({ kind: 'over-issue', atLeast: told - quantity, told });
    return found;
  };
}
