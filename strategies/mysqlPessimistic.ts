import { readModifyWrite } from './criticalSection.js';
import { inTransaction } from './transaction.js';
import type { Strategy } from './types.js';
import { ALL_FAULTS } from './faultProfile.js';

export const mysqlPessimistic: Strategy = {
  name: 'mysql-pessimistic',
  summary: 'SELECT ... FOR UPDATE on the coupon row, then the same read-modify-write',
  promise: 'across-instances',
  ceiling: 'select-for-update',
  survives: ALL_FAULTS,
  create: (ctx) => ({
    issue: (req) => inTransaction(ctx.mysql, (conn) => readModifyWrite(conn, req, ctx.onePerUser, true), req.timer),
  }),
};
