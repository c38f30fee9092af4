import type { Strategy } from '../types.js';
import { pgReadModifyWrite } from './criticalSection.js';
import { inPgTransaction } from './transaction.js';

/** The read-modify-write under PostgreSQL's row lock: SELECT ... FOR UPDATE, then the computed quantity written back. */
export const pgPessimistic: Strategy = {
  name: 'pg-pessimistic',
  summary: 'PostgreSQL: SELECT ... FOR UPDATE on the coupon row, then the same read-modify-write',
  promise: 'across-instances',
  knobs: [],
  ceiling: 'select-for-update',
  breaksUnder: [],
  databases: ['postgres'],
  create: (ctx) => ({
    issue: (req) => inPgTransaction(ctx.pg!, (client) => pgReadModifyWrite(client, req, ctx.onePerUser, true), req.timer),
  }),
};
