/**
 * couponbench's history file: NDJSON, one header line, then one line per request in the order
 * the responses came back. It is the request log on disk, so a run can be audited again later
 * (`couponbench audit --history`), and a history made elsewhere can be audited the same way.
 */
import { z } from 'zod';

export const HISTORY_TYPE = 'couponbench/history';
export const HISTORY_VERSION = 1;

/** What was true before the load: the stock, and the issued records already there. */
export const BaselineSchema = z.object({
  /** The stock before the load (Q0): read, or what the capacity left. */
  quantity: z.number(),
  /** A service with no stock number: how many it may issue in all (audit.capacity). */
  capacity: z.number().optional(),
  issued: z.object({ count: z.number().int(), users: z.array(z.number().int()).optional() }).optional(),
});
export type Baseline = z.infer<typeof BaselineSchema>;

export const HistoryHeaderSchema = z.object({
  type: z.literal(HISTORY_TYPE),
  version: z.literal(HISTORY_VERSION),
  /** The strategy or target name of the run that wrote it. */
  name: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  /** Active VUs over time, as [ms since start, VUs] pairs. */
  vus: z.array(z.tuple([z.number(), z.number().int()])),
  /** Set for target runs: what the audit subtracts and starts from. */
  baseline: BaselineSchema.optional(),
});
export type HistoryHeader = z.infer<typeof HistoryHeaderSchema>;

/** One request: who, when it was sent (ms since the start), how long, what came back. */
export const HistoryLineSchema = z.object({
  user: z.number().int(),
  sentAtMs: z.number(),
  latencyMs: z.number(),
  /** 0 where no answer arrived. */
  status: z.number().int(),
  /** The observation of src/outcomes.ts: issued, sold_out, failed:deadlock, http_503, timeout, ... */
  outcome: z.string().min(1),
});
export type HistoryLine = z.infer<typeof HistoryLineSchema>;
