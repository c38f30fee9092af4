/**
 * The nemesis's vocabulary: which faults exist, how a scenario or a flag asks for one, and what a
 * report records about each. Faults live in this room only; the audit never sees them.
 */
import { z } from 'zod';
import { DurationSchema } from '../duration.js';

export const FAULT_KINDS = ['pause-holder', 'pause-instance', 'kill-instance', 'pause-redis', 'restart-redis', 'pause-mysql', 'slow-holder'] as const;
export const FaultKindSchema = z.enum(FAULT_KINDS);
export type FaultKind = z.infer<typeof FaultKindSchema>;

/** One fault in a scenario: `{ "kind": "pause-holder", "at": "5s", "duration": "3s" }`. */
export const FaultSpecSchema = z
  .object({
    kind: FaultKindSchema,
    /** Seconds after the load starts. */
    at: DurationSchema,
    /** How long it lasts (0 for kill-instance and restart-redis, which are instants). */
    duration: DurationSchema.default(0),
    /** pause-instance / kill-instance / slow-holder: which server instance (1-based). */
    instance: z.number().int().positive().optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

/** `--fault KIND@AT:DURATION` (or `KIND@AT` for an instant; `KIND#N@AT:DURATION` names instance N). */
export function parseFaultFlag(text: string): FaultSpec {
  const m = /^([a-z-]+)(?:#(\d+))?@([^:]+)(?::(.+))?$/.exec(text.trim());
  const parsed = m && FaultSpecSchema.safeParse({ kind: m[1], at: m[3], duration: m[4] ?? 0, ...(m[2] ? { instance: Number(m[2]) } : {}) });
  if (!parsed || !parsed.success) {
    const why = parsed && !parsed.success ? `: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}` : '';
    throw new Error(`"${text}" is not KIND@AT:DURATION${why} (kinds: ${FAULT_KINDS.join(', ')}; e.g. pause-holder@5s:3s)`);
  }
  return parsed.data;
}

/** What a report keeps of one fault: when it really ran, on what, and what happened meanwhile. */
export const FaultRecordSchema = z.object({
  kind: FaultKindSchema,
  /** Seconds since the load started. */
  startS: z.number(),
  endS: z.number(),
  /** What it acted on, e.g. "instance 2 (pid 4211)". */
  target: z.string(),
  /** What happened, in order, e.g. "lease expired; instance 1 acquired at 6.05 s". */
  events: z.array(z.string()),
  /** Seconds from the fault's end to the next coupon issued (null: none was). */
  livenessS: z.number().nullable(),
});
export type FaultRecord = z.infer<typeof FaultRecordSchema>;
