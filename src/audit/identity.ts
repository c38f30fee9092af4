/**
 * The audit by user identity, after Jepsen's set checker: what each user was told against what
 * each user holds. Counts can cancel out (5 users told "issued" who hold nothing plus 5 users
 * told "sold out" who hold one read as "rows match successes"); identities cannot.
 */
import { z } from 'zod';
import type { RequestLog } from '../load/recorder.js';
import { classify } from '../outcomes.js';

const EXAMPLES = 10;

export const IdentitySchema = z.object({
  /** Users who asked, and users who hold a coupon. */
  askers: z.number().int(),
  holders: z.number().int(),
  /** Coupons held by users who were told "issued" for them. */
  ok: z.number().int(),
  /** Told "issued", holding none: acknowledged issues that are gone. */
  lost: z.number().int(),
  /** Holding one never acknowledged, where a request of that user had an unknown outcome. */
  recovered: z.number().int(),
  /** Holding one that no answer explains: the user was told "not issued", or never asked. */
  unexpected: z.number().int(),
  /** Requests with an unknown outcome that left no coupon (fine: they did not happen). */
  unknownNotIssued: z.number().int(),
  /** Up to 10 user ids of each violation, to look up. */
  examples: z.object({ lost: z.array(z.number().int()), unexpected: z.array(z.number().int()) }),
});
export type IdentityResult = z.infer<typeof IdentitySchema>;

interface PerUser {
  told: number;
  unknown: number;
}

/** Reconcile the request log with the coupons each user holds (user id -> rows). */
export function reconcileByUser(log: RequestLog, holdings: ReadonlyMap<number, number>): IdentityResult {
  const users = new Map<number, PerUser>();
  for (let i = 0; i < log.length; i++) {
    const user = log.userId.get(i);
    const entry = users.get(user) ?? { told: 0, unknown: 0 };
    const c = classify(log.observationOf(i)).class;
    if (c === 'success') entry.told++;
    else if (c === 'unknown') entry.unknown++;
    users.set(user, entry);
  }
  const result: IdentityResult = {
    askers: users.size,
    holders: [...holdings.values()].filter((n) => n > 0).length,
    ok: 0,
    lost: 0,
    recovered: 0,
    unexpected: 0,
    unknownNotIssued: 0,
    examples: { lost: [], unexpected: [] },
  };
  const note = (list: number[], user: number) => list.length < EXAMPLES && list.push(user);
  for (const user of new Set([...users.keys(), ...holdings.keys()])) {
    const { told, unknown } = users.get(user) ?? { told: 0, unknown: 0 };
    const held = holdings.get(user) ?? 0;
    result.ok += Math.min(told, held);
    const lost = Math.max(0, told - held);
    const beyond = Math.max(0, held - told);
    const recovered = Math.min(beyond, unknown);
    const unexpected = beyond - recovered;
    result.lost += lost;
    result.recovered += recovered;
    result.unexpected += unexpected;
    result.unknownNotIssued += unknown - recovered;
    if (lost > 0) note(result.examples.lost, user);
    if (unexpected > 0) note(result.examples.unexpected, user);
  }
  result.examples.lost.sort((a, b) => a - b);
  result.examples.unexpected.sort((a, b) => a - b);
  return result;
}
