import { z } from 'zod';
import type { RequestLog } from '../load/recorder.js';

/**
 * Did the users who asked first get the coupons? Computed from the client's request log (who
 * asked when, what they were told) and the database's issue order (user_coupon ids).
 */
export const FairnessSchema = z.object({
  /** Q: units on offer, so "early" means the first Q distinct users to ask. */
  quantity: z.number().int(),
  soldOut: z.boolean(),
  askers: z.number().int(),
  earlyAskers: z.number().int(),
  winners: z.number().int(),
  /** Winners who were among the first Q distinct askers. */
  earlyWinners: z.number().int(),
  /** Early askers who got nothing, by what their first request was told. */
  earlyEmptyHanded: z.number().int(),
  earlyEmptyHandedBy: z.record(z.string(), z.number().int()),
  /** Kendall's tau between first-ask order and issue order over winners (1 = same order). */
  kendallTau: z.number().nullable(),
  /** Winner pairs issued in the opposite order to the one they asked in. */
  inversions: z.number().int(),
});
export type FairnessResult = z.infer<typeof FairnessSchema>;

/** `ordered`: false where the records come in no order (a Redis set): who won is known, not in what order. */
export function checkFairness(log: RequestLog, issueOrder: number[], quantity: number, rows: number, ordered = true): FairnessResult {
  const firstAsk = new Map<number, number>();
  const firstResult = new Map<number, string>();
  for (let i = 0; i < log.length; i++) {
    const user = log.userId.get(i);
    const at = log.sentAtMs.get(i);
    const seen = firstAsk.get(user);
    if (seen === undefined || at < seen) {
      firstAsk.set(user, at);
      firstResult.set(user, log.observationOf(i));
    }
  }
  const askersInOrder = [...firstAsk.entries()].sort((a, b) => a[1] - b[1]).map(([user]) => user);
  const early = new Set(askersInOrder.slice(0, quantity));
  const winners = new Set(issueOrder);

  let earlyWinners = 0;
  for (const user of winners) if (early.has(user)) earlyWinners++;
  const earlyEmptyHandedBy: Record<string, number> = {};
  let earlyEmptyHanded = 0;
  for (const user of early) {
    if (winners.has(user)) continue;
    earlyEmptyHanded++;
    const result = firstResult.get(user) ?? 'unknown';
    earlyEmptyHandedBy[result] = (earlyEmptyHandedBy[result] ?? 0) + 1;
  }

  const askTimes = ordered ? issueOrder.filter((u) => firstAsk.has(u)).map((u) => firstAsk.get(u)!) : [];
  const inversions = countInversions(askTimes);
  const pairs = (askTimes.length * (askTimes.length - 1)) / 2;
  return {
    quantity,
    soldOut: rows >= quantity,
    askers: firstAsk.size,
    earlyAskers: early.size,
    winners: winners.size,
    earlyWinners,
    earlyEmptyHanded,
    earlyEmptyHandedBy,
    kendallTau: pairs > 0 ? 1 - (2 * inversions) / pairs : null,
    inversions,
  };
}

/** Pairs i < j with values[i] > values[j], by merge sort in O(n log n). */
export function countInversions(values: number[]): number {
  let a = values.slice();
  let b = new Array<number>(a.length);
  let inversions = 0;
  for (let width = 1; width < a.length; width *= 2) {
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      const mid = Math.min(lo + width, a.length);
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (a[i]! <= a[j]!) b[k++] = a[i++]!;
        else {
          inversions += mid - i;
          b[k++] = a[j++]!;
        }
      }
      while (i < mid) b[k++] = a[i++]!;
      while (j < hi) b[k++] = a[j++]!;
    }
    [a, b] = [b, a];
  }
  return inversions;
}
