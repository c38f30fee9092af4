import { readModifyWrite } from './criticalSection.js';
import { inTransaction } from './transaction.js';
import type { Strategy } from './types.js';

export const none: Strategy = {
  name: 'none',
  summary: 'no lock: the naive read-modify-write in a transaction (loses updates, deadlocks)',
  promise: 'none',
  ceiling: 'select-for-update',
  create: (ctx) => ({
    issue: (req) => inTransaction(ctx.mysql, (conn) => readModifyWrite(conn, req, ctx.onePerUser), req.timer),
  }),
};
