/**
 * The strategy contract for plugin authors (`import ... from 'couponbench/strategy'`), and the
 * loader that checks a plugin module before anything is started.
 *
 * A plugin is an ES module whose default export is a Strategy: a name, what integrity it
 * promises, and `create(ctx)` returning `{ issue(req) }` that answers one IssueOutcome per
 * request. It gets its database pool (`ctx.mysql`, or `ctx.pg` on `--db postgres` when it lists
 * postgres in `databases`) and Redis clients from `ctx`, never prints, never knows HTTP.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../src/errors.js';
import { assertRegularFile, INPUT_LIMITS } from '../src/inputFile.js';
import { CeilingShapeSchema } from '../src/db/calibrate.js';
import { FAULT_EFFECTS, SurvivesSchema } from '../src/faults/spec.js';
import { DATABASE_KINDS } from '../src/db/kinds.js';
import { IntegrityPromiseSchema, STRATEGY_KNOBS, type Strategy } from './types.js';

export type { IssueOutcome, IssueRequest, IntegrityPromise, Strategy, StrategyContext, StrategyInstance, StrategyOptions, RedisClient } from './types.js';
export { alreadyIssued, insertUserCoupon, readModifyWrite } from './criticalSection.js';
export { failedOutcome } from './failure.js';
export { inTransaction } from './transaction.js';
/** `req.timer?.time('lock', () => ...)` puts a phase in the Server-Timing header. */
export { NO_TIMER, SERVER_PHASES, type ServerPhase, type Timer } from '../src/serverTiming.js';

/** Identity at run time; gives a plugin written in TypeScript its types. */
export function defineStrategy(strategy: Strategy): Strategy {
  return strategy;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });

/** What a plugin module's default export must be. */
export const StrategySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain name (letters, digits, . _ -)'),
  summary: z.string().default(''),
  promise: IntegrityPromiseSchema,
  knobs: z.array(z.enum(STRATEGY_KNOBS)).optional(),
  create: fn,
  validate: fn.optional(),
  prepare: fn.optional(),
  ledger: fn.optional(),
  settle: fn.optional(),
  survives: SurvivesSchema.optional(),
  breaksUnder: z.array(z.enum(FAULT_EFFECTS)).optional(),
  fencing: z.object({ survives: SurvivesSchema.optional(), breaksUnder: z.array(z.enum(FAULT_EFFECTS)).optional() }).optional(),
  ceiling: CeilingShapeSchema.optional(),
  lockHolder: fn.optional(),
  codePool: z.boolean().optional(),
  databases: z.array(z.enum(DATABASE_KINDS)).min(1).optional(),
});

/** `--strategy` names a plugin file rather than a built-in strategy. */
export function isStrategyFile(ref: string): boolean {
  return ref.includes('/') || /\.(m?js)$/.test(ref);
}

/** Import a plugin module and check its default export, saying in one line what is missing. */
export async function loadPluginStrategy(file: string): Promise<Strategy> {
  const path = resolve(file);
  assertRegularFile(path, `strategy file ${path}`, INPUT_LIMITS.module);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new UsageError(`strategy file ${path} cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  if (module.default === undefined) throw new UsageError(`strategy file ${path} has no default export (export default { name, promise, create })`);
  const parsed = StrategySchema.safeParse(module.default);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(default export)'} ${i.message}`);
    throw new UsageError(`strategy file ${path} does not export a valid strategy: ${problems.join('; ')}`);
  }
  return { ...(module.default as Strategy), summary: parsed.data.summary };
}
