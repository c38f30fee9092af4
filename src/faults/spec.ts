/**
 * The nemesis's vocabulary: which faults exist, how a scenario or a flag asks for one, and what a
 * report records about each. Faults live in this room only; the audit never sees them.
 */
import { z } from 'zod';
import { DurationSchema, formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { FAULTS } from './index.js';
import type { Fault } from './targets.js';

/** The kinds registered in FAULTS (src/faults/index.ts), in its order. */
export type FaultKind = keyof typeof FAULTS;
export const FAULT_KINDS = Object.keys(FAULTS) as [FaultKind, ...FaultKind[]];
export const FaultKindSchema = z.enum(FAULT_KINDS);

/**
 * What a fault does to a system, as a strategy's weakness is named: a holder stalled past any
 * lease (a pause, a slow link), a holder killed mid-work, Redis's state lost, connections cut,
 * Redis itself stalled for everyone. Each fault kind declares its effects (src/faults/); a
 * strategy declares the effects that break it, and what it survives is derived from the two.
 */
export const FAULT_EFFECTS = ['stalls-holder', 'kills-holder', 'empties-redis', 'cuts-connections', 'stalls-redis'] as const;
export type FaultEffect = (typeof FAULT_EFFECTS)[number];

/** What a system promises to keep integrity under: a list of kinds, or `every` (derived from FAULT_KINDS, never copied). */
export const SurvivesSchema = z.union([z.literal('every'), z.array(FaultKindSchema)]);
export type Survives = 'every' | readonly FaultKind[];

export function survivedFaults(survives: Survives | undefined): FaultKind[] {
  return survives === 'every' ? [...FAULT_KINDS] : [...(survives ?? [])];
}


/** The dependencies a link fault can act on, through couponbench's proxy (src/faults/links/). */
export const LINK_NAMES = ['mysql', 'postgres', 'redis'] as const;
export const LinkNameSchema = z.enum(LINK_NAMES);
export type LinkName = z.infer<typeof LinkNameSchema>;

/** One fault in a scenario: `{ "kind": "pause-holder", "at": "5s", "duration": "3s" }`, `{ "kind": "latency", "link": "mysql", "amount": "3s", "at": "5s", "duration": "7s" }`. */
export const FaultSpecSchema = z
  .object({
    kind: FaultKindSchema,
    /** Seconds after the load starts. */
    at: DurationSchema,
    /** How long it lasts (0 for the instants: kill-instance, restart-redis, reset). */
    duration: DurationSchema.default(0),
    /** pause-instance / kill-instance / slow-holder: which server instance (1-based). */
    instance: z.number().int().positive().optional(),
    /** latency / stall / reset / down: the link to the dependency it acts on. */
    link: LinkNameSchema.optional(),
    /** latency: the delay added to every chunk, each way (seconds). */
    amount: DurationSchema.optional(),
    /** latency: up to this much more, at random (seconds). */
    jitter: DurationSchema.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const fault: Fault = FAULTS[f.kind];
    const onLink = fault.actsOn === 'link';
    if (onLink && !f.link) ctx.addIssue({ code: 'custom', path: ['link'], message: `${f.kind} acts on a link: name it (${LINK_NAMES.join(', ')}), e.g. ${f.kind}#mysql` });
    if (!onLink && f.link) ctx.addIssue({ code: 'custom', path: ['link'], message: `${f.kind} acts on a process, not a link` });
    if (!fault.takesAmount && (f.amount !== undefined || f.jitter !== undefined)) {
      const taking = FAULT_KINDS.filter((k) => (FAULTS[k] as Fault).takesAmount);
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `${f.kind} takes no amount (only ${taking.join(', ')} ${taking.length === 1 ? 'does' : 'do'})` });
    }
  });
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

/**
 * `--fault KIND@AT:DURATION`, `KIND@AT` for an instant, `KIND#N@AT:DURATION` for server instance
 * N, `KIND#LINK@AT:DURATION` for a link (mysql, redis), `KIND#LINK=AMOUNT@...` with an amount
 * (`=AMOUNT~JITTER`: up to JITTER more, at random).
 */
export function parseFaultFlag(text: string): FaultSpec {
  const m = /^([a-z-]+)(?:#(\w+)(?:=([^@]+))?)?@([^:]+)(?::(.+))?$/.exec(text.trim());
  const object = m?.[2];
  const on = object === undefined ? {} : /^\d+$/.test(object) ? { instance: Number(object) } : { link: object };
  const [amount, jitter] = m?.[3]?.split('~') ?? [];
  const parsed = m && FaultSpecSchema.safeParse({ kind: m[1], at: m[4], duration: m[5] ?? 0, ...on, ...(amount ? { amount } : {}), ...(jitter ? { jitter } : {}) });
  if (!parsed || !parsed.success) {
    const why = parsed && !parsed.success ? `: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}` : '';
    throw new Error(`"${text}" is not KIND@AT:DURATION${why} (kinds: ${FAULT_KINDS.join(', ')}; e.g. pause-holder@5s:3s, latency#mysql=3s@5s:7s)`);
  }
  return parsed.data;
}

/** A fault kind by name, or one clear line naming the kinds there are. */
export function parseFaultKind(name: string): FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new UsageError(`unknown fault kind "${name}" (kinds: ${FAULT_KINDS.join(', ')})`);
  return name as FaultKind;
}

/** `--faults KIND,KIND` for a search (absent or "all": every kind). */
export function parseFaultKinds(text: string | undefined): FaultKind[] {
  if (!text || text === 'all') return [...FAULT_KINDS];
  return text.split(',').map((s) => s.trim()).filter(Boolean).map(parseFaultKind);
}

/** A fault spec written back as its flag: `latency#mysql=300ms@500ms:2s`, `kill-instance#2@1s`. */
export function faultFlag(f: FaultSpec): string {
  const object = f.link ?? f.instance;
  const amount = f.amount !== undefined ? `=${formatDuration(f.amount)}${f.jitter ? `~${formatDuration(f.jitter)}` : ''}` : '';
  return `${f.kind}${object !== undefined ? `#${object}` : ''}${amount}@${formatDuration(f.at)}${f.duration > 0 ? `:${formatDuration(f.duration)}` : ''}`;
}

/**
 * What happened while a fault was in effect, as typed records on the load's clock (`atS`,
 * seconds since the load started). The gate, the tables and the HTML read the types; a sentence
 * is made from an event only when it is printed (`describeFaultEvent`).
 */
export const FaultEventSchema = z.discriminatedUnion('type', [
  /** A process was frozen (SIGSTOP); `holding` names the lock it held, `instance` the server instance. */
  z.object({
    type: z.literal('paused'),
    atS: z.number(),
    pid: z.number().int().optional(),
    instance: z.number().int().optional(),
    holding: z.string().optional(),
    /** Why a pause-holder paused an instance that was not seen holding the lock. */
    fallback: z.enum(['no-lock-of-its-own', 'no-holder-seen']).optional(),
  }),
  z.object({ type: z.literal('resumed'), atS: z.number() }),
  /** The frozen holder's lock was gone: its lease ran out under it. */
  z.object({ type: z.literal('lease-expired'), atS: z.number() }),
  /** Another instance acquired the lock while the first holder was frozen. */
  z.object({ type: z.literal('second-holder'), atS: z.number(), instance: z.number().int() }),
  z.object({ type: z.literal('killed'), atS: z.number(), pid: z.number().int(), restarted: z.boolean() }),
  /** Started again after a kill; `empty`: with none of its data (a Redis without persistence). */
  z.object({ type: z.literal('restarted'), atS: z.number(), pid: z.number().int(), empty: z.boolean().optional() }),
  /** slow-holder: the next holder in the instance was told to stall this long. */
  z.object({ type: z.literal('stall-armed'), atS: z.number(), seconds: z.number() }),
  /** A link fault took effect (`amount`: latency's delay) or ended. */
  z.object({ type: z.literal('link-slowed'), atS: z.number(), link: LinkNameSchema, seconds: z.number() }),
  z.object({ type: z.literal('link-stalled'), atS: z.number(), link: LinkNameSchema }),
  z.object({ type: z.literal('link-reset'), atS: z.number(), link: LinkNameSchema, connections: z.number().int() }),
  z.object({ type: z.literal('link-down'), atS: z.number(), link: LinkNameSchema }),
  z.object({ type: z.literal('link-restored'), atS: z.number(), link: LinkNameSchema }),
  z.object({ type: z.literal('not-run') }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FaultEvent = z.infer<typeof FaultEventSchema>;

/** An event that says the fault never acted: it failed to start, or the load ended before it was due. */
export const notActed = (e: FaultEvent): boolean => e.type === 'not-run' || e.type === 'failed';

/** An event as a sentence, for the terminal and the HTML. */
export function describeFaultEvent(e: FaultEvent): string {
  const at = (s: number) => `${s.toFixed(2)} s`;
  switch (e.type) {
    case 'paused':
      if (e.fallback === 'no-lock-of-its-own') return `this strategy keeps no lock of its own: paused instance ${e.instance} anyway at ${at(e.atS)}`;
      if (e.fallback === 'no-holder-seen') return `no holder seen in time: paused instance ${e.instance} anyway at ${at(e.atS)}`;
      return e.holding ? `pid ${e.pid} held ${e.holding} at ${at(e.atS)}, paused` : `paused at ${at(e.atS)}`;
    case 'resumed':
      return `resumed at ${at(e.atS)}`;
    case 'lease-expired':
      return `lease expired at ${at(e.atS)}`;
    case 'second-holder':
      return `instance ${e.instance} acquired at ${at(e.atS)}`;
    case 'killed':
      return e.restarted ? `killed pid ${e.pid} at ${at(e.atS)}` : `killed at ${at(e.atS)}; not restarted`;
    case 'restarted':
      return `started again${e.empty ? ' empty' : ''} at ${at(e.atS)} (pid ${e.pid})`;
    case 'stall-armed':
      return `next holder told to stall ${e.seconds.toFixed(2)} s at ${at(e.atS)}`;
    case 'link-slowed':
      return `${e.link} link slowed by ${e.seconds.toFixed(2)} s each way at ${at(e.atS)}`;
    case 'link-stalled':
      return `${e.link} link stalled at ${at(e.atS)}`;
    case 'link-reset':
      return `${e.connections} ${e.link} connection${e.connections === 1 ? '' : 's'} reset at ${at(e.atS)}`;
    case 'link-down':
      return `${e.link} link refusing new connections at ${at(e.atS)}`;
    case 'link-restored':
      return `${e.link} link restored at ${at(e.atS)}`;
    case 'not-run':
      return 'not run: the load ended before it was due';
    case 'failed':
      return `failed: ${e.message}`;
  }
}

/** What a report keeps of one fault: when it really ran, on what, and what happened meanwhile. */
export const FaultRecordSchema = z.object({
  kind: FaultKindSchema,
  /** The link it acted on, for a link fault (`latency#mysql`). */
  link: LinkNameSchema.optional(),
  /** Seconds since the load started. */
  startS: z.number(),
  endS: z.number(),
  /** What it acted on, e.g. "instance 2 (pid 4211)". */
  target: z.string(),
  /** What happened, in order. */
  events: z.array(FaultEventSchema),
  /** Seconds from the fault's end to the next coupon issued (null: none was). */
  livenessS: z.number().nullable(),
});
export type FaultRecord = z.infer<typeof FaultRecordSchema>;

/** A fault as rows and cells name it: its kind, and its link where it has one (`latency#mysql`). */
export const faultLabel = (f: { kind: FaultKind; link?: LinkName }) => (f.link ? `${f.kind}#${f.link}` : f.kind);
