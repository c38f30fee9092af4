import { readModifyWrite } from './criticalSection.js';
import { inTransaction } from './transaction.js';
import type { Strategy } from './types.js';
import { pgReadModifyWrite } from './postgres/criticalSection.js';
import { inPgTransaction } from './postgres/transaction.js';

export const none: Strategy = {
  name: 'none',
  summary: 'no lock: the naive read-modify-write in a transaction (loses updates; on MySQL, deadlocks too)',
  promise: 'none',
  knobs: [],
  ceiling: 'select-for-update',
  databases: ['mysql', 'postgres'],
  create: (ctx) => ({
    issue: (req) =>
      ctx.db === 'postgres'
        ? inPgTransaction(ctx.pg!, (client) => pgReadModifyWrite(client, req, ctx.onePerUser), req.timer)
        : inTransaction(ctx.mysql, (conn) => readModifyWrite(conn, req, ctx.onePerUser), req.timer),
  }),
};
