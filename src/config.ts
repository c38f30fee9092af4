import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DATABASE_KINDS } from './db/kinds.js';
import { DurationSchema, formatDuration, parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { INPUT_LIMITS, readInputFile } from './inputFile.js';
import { packageRoot } from './paths.js';
import { StrategyOptionsSchema } from '../strategies/types.js';
import { FaultSpecSchema } from './faults/spec.js';
import { MAX_QUANTITY } from './db/schema.js';
import { MAX_USER_POOL } from './db/seed.js';
import { describeIssues, LIST_LIMIT } from './service/schema.js';

/** k6 scripts rarely hold more than a dozen stages; a thousand is a generated file, not a mistake. */
const MAX_STAGES = 1000;

export const StageSchema = z.object({
  duration: DurationSchema,
  target: z.number().int().nonnegative(),
});
export type Stage = z.infer<typeof StageSchema>;

/**
 * k6's executors. ramping-vus is the closed model: a VU sends its next request only after the
 * last response (and its think time), so a slow server is sent less. The arrival-rate executors
 * are the open model: iterations start at the rate asked for, whether or not the server keeps
 * up; one with no free VU (all busy, maxVUs reached) is dropped and counted.
 */
export const EXECUTORS = ['ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'] as const;
export const ExecutorSchema = z.enum(EXECUTORS);
export type Executor = z.infer<typeof ExecutorSchema>;

/** An arrival-rate executor's settings, as k6 names them; `stages` targets are then rates. */
export const ArrivalSchema = z.object({
  /** Iterations per timeUnit at the start (ramping) or throughout (constant). */
  startRate: z.number().nonnegative(),
  timeUnit: DurationSchema,
  preAllocatedVUs: z.number().int().positive(),
  maxVUs: z.number().int().positive(),
});
export type Arrival = z.infer<typeof ArrivalSchema>;

/** Settings every scenario has, whatever its load shape. A new setting is one field here. */
const scenarioSettings = {
  description: z.string().default(''),
  quantity: z.number().int().positive().max(MAX_QUANTITY, `at most ${MAX_QUANTITY.toLocaleString('en-US')} (coupons.quantity is an INT)`),
  thinkTime: DurationSchema.default(1),
  userPool: z.number().int().positive().max(MAX_USER_POOL, `at most ${MAX_USER_POOL.toLocaleString('en-US')} users are seeded`),
  onePerUser: z.boolean().default(true),
  timeout: DurationSchema.default(60),
  gracefulStop: DurationSchema.default(30),
  /** The nemesis's schedule (src/faults/): what breaks, when, for how long. */
  faults: z.array(FaultSpecSchema).max(LIST_LIMIT, `at most ${LIST_LIMIT} faults`).default([]),
};

/** A scenario as a run uses it (and a report records it): the load shape as k6 stages. */
export const ScenarioSchema = z.object({
  /** The file's name, followed by what flags changed, when they changed its settings (`smoke quantity=1000 vus=200`, listed in `overrides`). */
  name: z.string().min(1),
  ...scenarioSettings,
  /** The flags that changed the scenario, as `flag value`; empty when it ran as written. */
  overrides: z.array(z.string()).default([]),
  executor: ExecutorSchema.default('ramping-vus'),
  /** ramping-vus: VUs at the start. */
  startVUs: z.number().int().nonnegative(),
  /** ramping-vus: VU targets; arrival-rate executors: rate targets (iterations per timeUnit). */
  stages: z.array(StageSchema).min(1).max(MAX_STAGES, `at most ${MAX_STAGES} stages`),
  /** Present for the arrival-rate executors. */
  arrival: ArrivalSchema.optional(),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

/**
 * A scenario file. The load shape is either k6 `stages` (with `startVUs`, default 1 as in k6)
 * or k6's shortcut `vus` + `duration` (constant VUs, all started at once).
 */
export const ScenarioFileSchema = z
  .object({
    /** The JSON Schema an editor checks the file with (`couponbench schema scenario`). */
    $schema: z.string().optional(),
    name: z.string().min(1).optional(),
    ...scenarioSettings,
    executor: ExecutorSchema.default('ramping-vus'),
    stages: z.array(StageSchema).min(1).max(MAX_STAGES, `at most ${MAX_STAGES} stages`).optional(),
    startVUs: z.number().int().nonnegative().optional(),
    vus: z.number().int().positive().optional(),
    duration: DurationSchema.optional(),
    rate: z.number().positive().optional(),
    startRate: z.number().nonnegative().optional(),
    timeUnit: DurationSchema.optional(),
    preAllocatedVUs: z.number().int().positive().optional(),
    maxVUs: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.executor !== 'ramping-vus') {
      if (s.preAllocatedVUs === undefined) issue('preAllocatedVUs', `${s.executor} needs "preAllocatedVUs"`);
      if (s.vus !== undefined || s.startVUs !== undefined) issue(s.vus !== undefined ? 'vus' : 'startVUs', `${s.executor} takes "preAllocatedVUs" and "maxVUs", not VUs`);
      if (s.maxVUs !== undefined && s.preAllocatedVUs !== undefined && s.maxVUs < s.preAllocatedVUs) issue('maxVUs', 'must be at least "preAllocatedVUs"');
      if (s.executor === 'constant-arrival-rate') {
        if (s.rate === undefined || s.duration === undefined) issue(s.rate === undefined ? 'rate' : 'duration', 'constant-arrival-rate needs "rate" and "duration"');
        if (s.stages !== undefined || s.startRate !== undefined) issue(s.stages !== undefined ? 'stages' : 'startRate', 'constant-arrival-rate takes "rate" and "duration"');
      } else {
        if (s.stages === undefined) issue('stages', 'ramping-arrival-rate needs "stages" (targets are rates)');
        if (s.rate !== undefined || s.duration !== undefined) issue(s.rate !== undefined ? 'rate' : 'duration', 'ramping-arrival-rate takes "startRate" and "stages"');
      }
      return;
    }
    for (const key of ['rate', 'startRate', 'timeUnit', 'preAllocatedVUs', 'maxVUs'] as const) {
      if (s[key] !== undefined) issue(key, `only the arrival-rate executors take "${key}" (set "executor")`);
    }
    const hasStages = s.stages !== undefined;
    const hasConstant = s.vus !== undefined || s.duration !== undefined;
    if (hasStages === hasConstant) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'give either "stages" or "vus" with "duration", not both or neither' });
    } else if (hasConstant && (s.vus === undefined || s.duration === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.vus === undefined ? 'vus' : 'duration'], message: '"vus" and "duration" go together' });
    }
  });

export function normaliseScenario(file: z.infer<typeof ScenarioFileSchema>, fallbackName: string): Scenario {
  const { $schema: _editorSchema, name, executor, stages, startVUs, vus, duration, rate, startRate, timeUnit, preAllocatedVUs, maxVUs, ...settings } = file;
  const common = { overrides: [], name: name ?? fallbackName, ...settings, executor };
  if (executor !== 'ramping-vus') {
    // A constant rate is a ramp with one flat stage: one code path drives both.
    const constant = executor === 'constant-arrival-rate';
    return {
      ...common,
      startVUs: 0,
      stages: constant ? [{ duration: duration!, target: rate! }] : stages!,
      arrival: { startRate: constant ? rate! : startRate ?? 0, timeUnit: timeUnit ?? 1, preAllocatedVUs: preAllocatedVUs!, maxVUs: maxVUs ?? preAllocatedVUs! },
    };
  }
  const constant = stages === undefined;
  return {
    ...common,
    startVUs: constant ? vus! : startVUs ?? 1,
    stages: constant ? [{ duration: duration!, target: vus! }] : stages,
  };
}

/** Everything one run needs besides infrastructure: what the CLI flags and scenario file become. */
export const RunConfigSchema = z.object({
  strategy: z.string(),
  /** A plugin strategy's module (absolute path); absent for built-ins. */
  strategyModule: z.string().optional(),
  /** Set when the run loaded a user's service described by a target file (strategy is then its name). */
  target: z
    .object({
      file: z.string(),
      url: z.string(),
      /** The target file's content (SHA-256): two runs of one file name with different content are different configurations. */
      sha256: z.string().optional(),
      /** The command couponbench started the service with, if it did. */
      command: z.string().optional(),
    })
    .optional(),
  scenario: ScenarioSchema,
  instances: z.number().int().positive(),
  poolSize: z.number().int().positive(),
  host: z.string(),
  port: z.number().int().nonnegative(),
  database: z.string(),
  /** What the embedded server issues on (absent for a target, whose databases are its own, and in older reports: MySQL). */
  db: z.enum(DATABASE_KINDS).optional(),
  seed: z.number().int(),
  options: StrategyOptionsSchema,
  /** Driver threads (--workers); absent: one per core, less one when the system under test shares this machine. */
  workers: z.number().int().positive().optional(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Every problem, each with its path, on one line (none hidden behind a count). */
export function formatZodError(error: z.ZodError, where: string): string {
  return `${where}: ${describeIssues(error)}`;
}

export function scenariosDir(): string {
  return join(packageRoot(), 'scenarios');
}

/** `smoke` names a bundled scenario; anything with a slash or .json is a path. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? resolve(nameOrPath) : join(scenariosDir(), `${nameOrPath}.json`);
  if (!existsSync(file)) {
    throw new UsageError(
      isPath ? `scenario file ${file} does not exist` : `unknown scenario "${nameOrPath}" (bundled: ${(await bundledScenarioNames()).join(', ')})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readInputFile(file, `scenario file ${file}`, INPUT_LIMITS.settings));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
  const parsed = ScenarioFileSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error, file));
  const fallbackName = (file.split('/').pop() ?? 'scenario').replace(/\.json$/, '');
  return normaliseScenario(parsed.data, fallbackName);
}

export async function bundledScenarioNames(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(scenariosDir())).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

/**
 * What flags can change in a scenario: any setting, the stages, or `vus`/`duration`, which
 * replace the shape with constant VUs.
 */
export type ScenarioOverrides = Partial<Omit<Scenario, 'name' | 'description' | 'startVUs' | 'overrides'>> & { vus?: number; duration?: number };

export function peakVUs(s: Pick<Scenario, 'startVUs' | 'stages' | 'arrival'>): number {
  if (s.arrival) return s.arrival.maxVUs;
  return Math.max(s.startVUs, ...s.stages.map((st) => st.target));
}

/** The load shape in k6's words: "stages 10s→2000, 80s→2000" or "ramping-arrival-rate 0→5000/1s over ...". */
export function describeShape(s: Pick<Scenario, 'stages' | 'arrival' | 'executor'>): string {
  const stages = s.stages.map((st) => `${formatDuration(st.duration)}→${st.target}`).join(', ');
  if (!s.arrival) return `stages ${stages}`;
  const a = s.arrival;
  const unit = a.timeUnit === 1 ? 's' : formatDuration(a.timeUnit);
  const vus = `VUs ${a.preAllocatedVUs}..${a.maxVUs}`;
  if (s.executor === 'constant-arrival-rate') return `constant-arrival-rate ${a.startRate}/${unit} for ${formatDuration(totalDuration(s))}, ${vus}`;
  return `ramping-arrival-rate from ${a.startRate}/${unit}, stages ${stages}, ${vus}`;
}

export function totalDuration(s: Pick<Scenario, 'stages'>): number {
  return s.stages.reduce((sum, st) => sum + st.duration, 0);
}

export function applyOverrides(base: Scenario, o: ScenarioOverrides): Scenario {
  const { vus, duration, stages, ...settings } = o;
  const s: Scenario = { ...base };
  if (stages) {
    // On an arrival-rate scenario the targets are rates, as in its file.
    s.stages = stages;
    s.startVUs = base.arrival ? 0 : 1;
  } else if (base.arrival && vus === undefined && duration !== undefined) {
    // --duration alone keeps the open model: the peak rate, constant, for that long.
    const rate = Math.max(base.arrival.startRate, ...base.stages.map((st) => st.target));
    s.executor = 'constant-arrival-rate';
    s.stages = [{ duration, target: rate }];
    s.arrival = { ...base.arrival, startRate: rate };
  } else if (vus !== undefined || duration !== undefined) {
    const constant = vus ?? peakVUs(base);
    s.stages = [{ duration: duration ?? totalDuration(base), target: constant }];
    s.startVUs = constant;
    s.executor = 'ramping-vus';
    delete s.arrival;
  }
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) Object.assign(s, { [key]: value });
  const changed = Object.entries(o).filter(([, v]) => v !== undefined);
  if (changed.length > 0) {
    s.overrides = [...base.overrides, ...changed.map(([key, value]) => `${key}=${describeOverride(value)}`)];
    s.name = [scenarioFileName(base), ...s.overrides].join(' ');
  }
  return s;
}

/** The name the scenario file gives, before flags named what they changed. */
function scenarioFileName(s: Pick<Scenario, 'name' | 'overrides'>): string {
  const suffix = s.overrides.map((o) => ` ${o}`).join('');
  return suffix && s.name.endsWith(suffix) ? s.name.slice(0, -suffix.length) : s.name;
}

function describeOverride(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? Object.values(v as object).join(':') : String(v))).join(',');
  return String(value);
}

/** `--stages 10s:2000,80s:2000` in k6's CLI notation. */
export function parseStagesFlag(text: string): Stage[] {
  return text.split(',').map((part) => {
    const [duration, target] = part.split(':');
    const t = Number(target);
    if (!duration || !Number.isInteger(t) || t < 0) throw new Error(`"${part}" is not DURATION:TARGET`);
    return { duration: parseDuration(duration), target: t };
  });
}
