import type { IssueOutcome, Strategy } from '../types.js';
import { backoff } from '../backoff.js';
import { pgReadModifyWrite } from './criticalSection.js';
import { inPgTransaction } from './transaction.js';

/** serialization_failure: the transaction could not be ordered with another; retrying is the protocol. */
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK = '40P01';

/**
 * No lock at all: the naive read-modify-write at SERIALIZABLE isolation. PostgreSQL's SSI aborts
 * one of two transactions that read the same quantity and both write it (40001); the loser
 * retries with backoff, up to the limit, then 409.
 */
export const pgSerializable: Strategy = {
  name: 'pg-serializable',
  summary: 'PostgreSQL: the naive read-modify-write at SERIALIZABLE, retried on serialization failure',
  promise: 'across-instances',
  knobs: ['maxRetries', 'retryIntervalMs'],
  ceiling: 'select-for-update',
  breaksUnder: [],
  databases: ['postgres'],
  create: (ctx) => ({
    issue: async (req) => {
      const { maxRetries, retryIntervalMs } = ctx.options;
      for (let attempt = 0; ; attempt++) {
        const outcome: IssueOutcome = await inPgTransaction(ctx.pg!, (client) => pgReadModifyWrite(client, req, ctx.onePerUser), req.timer, 'SERIALIZABLE');
        const code = outcome.result === 'failed' ? outcome.detail : undefined;
        if (code !== SERIALIZATION_FAILURE && code !== DEADLOCK) return outcome;
        if (attempt >= maxRetries) return { result: 'retries_exhausted' };
        await backoff(retryIntervalMs, attempt);
      }
    },
  }),
};
