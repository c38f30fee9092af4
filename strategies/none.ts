import type { Strategy } from './types.js';

export const none: Strategy = {
  name: 'none',
  summary: 'no lock: the naive read-modify-write in a transaction (loses updates; on MySQL, deadlocks too)',
  promise: 'none',
  knobs: [],
  ceiling: 'select-for-update',
  databases: ['mysql', 'postgres'],
  create: (ctx) => ({
    issue: (req) => ctx.sections.readModifyWrite(req, ctx.onePerUser, req.timer),
  }),
};
