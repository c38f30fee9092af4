/** What the database holds for the coupon after the load has drained (each dialect reads it: src/db/mysql.ts, postgres.ts). */
export interface DbSnapshot {
  finalQuantity: number;
  rows: number;
  /** Users holding more than one coupon, and the extra rows they hold. */
  duplicateUsers: number;
  duplicateRows: number;
  /** Distinct users in the order they were first issued a coupon (user_coupon id order). */
  issueOrder: number[];
  /** Coupons each user holds. */
  holdings: Map<number, number>;
  /** A code pool's run: rows holding a code another row holds too (0 where there is no pool). */
  codesHeldTwice: number;
}

/** Users with more than one coupon, and the coupons beyond their first. */
export function duplicatesOf(holdings: Map<number, number>): { duplicateUsers: number; duplicateRows: number } {
  let duplicateUsers = 0;
  let duplicateRows = 0;
  for (const n of holdings.values()) {
    if (n > 1) {
      duplicateUsers++;
      duplicateRows += n - 1;
    }
  }
  return { duplicateUsers, duplicateRows };
}

/** From rows of (u: user, n: coupons held), in the order users were first issued one, whatever the database. */
export function heldByUser(byUser: Array<Record<string, unknown>>): Pick<DbSnapshot, 'rows' | 'duplicateUsers' | 'duplicateRows' | 'issueOrder' | 'holdings'> {
  const holdings = new Map<number, number>(byUser.map((r) => [Number(r['u']), Number(r['n'])]));
  const rows = [...holdings.values()].reduce((sum, n) => sum + n, 0);
  return { rows, ...duplicatesOf(holdings), issueOrder: [...holdings.keys()], holdings };
}
