import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DurationSchema, parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { packageRoot } from './paths.js';
import { StrategyOptionsSchema } from '../strategies/types.js';
import { FaultSpecSchema } from './faults/spec.js';

export const StageSchema = z.object({
  duration: DurationSchema,
  target: z.number().int().nonnegative(),
});
export type Stage = z.infer<typeof StageSchema>;

/** Settings every scenario has, whatever its load shape. A new setting is one field here. */
const scenarioSettings = {
  description: z.string().default(''),
  quantity: z.number().int().positive(),
  thinkTime: DurationSchema.default(1),
  userPool: z.number().int().positive(),
  onePerUser: z.boolean().default(true),
  timeout: DurationSchema.default(60),
  gracefulStop: DurationSchema.default(30),
  /** The nemesis's schedule (src/faults/): what breaks, when, for how long. */
  faults: z.array(FaultSpecSchema).default([]),
};

/** A scenario as a run uses it (and a report records it): the load shape as k6 stages. */
export const ScenarioSchema = z.object({
  /** Ends in `*` when flags changed the scenario file's settings (listed in `overrides`). */
  name: z.string().min(1),
  ...scenarioSettings,
  /** The flags that changed the scenario, as `flag value`; empty when it ran as written. */
  overrides: z.array(z.string()).default([]),
  startVUs: z.number().int().nonnegative(),
  stages: z.array(StageSchema).min(1),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

/**
 * A scenario file. The load shape is either k6 `stages` (with `startVUs`, default 1 as in k6)
 * or k6's shortcut `vus` + `duration` (constant VUs, all started at once).
 */
export const ScenarioFileSchema = z
  .object({
    name: z.string().min(1).optional(),
    ...scenarioSettings,
    stages: z.array(StageSchema).min(1).optional(),
    startVUs: z.number().int().nonnegative().optional(),
    vus: z.number().int().positive().optional(),
    duration: DurationSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const hasStages = s.stages !== undefined;
    const hasConstant = s.vus !== undefined || s.duration !== undefined;
    if (hasStages === hasConstant) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'give either "stages" or "vus" with "duration", not both or neither' });
    } else if (hasConstant && (s.vus === undefined || s.duration === undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.vus === undefined ? 'vus' : 'duration'], message: '"vus" and "duration" go together' });
    }
  });

export function normaliseScenario(file: z.infer<typeof ScenarioFileSchema>, fallbackName: string): Scenario {
  const { name, stages, startVUs, vus, duration, ...settings } = file;
  const constant = stages === undefined;
  return {
    overrides: [],
    name: name ?? fallbackName,
    ...settings,
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
  target: z.object({ file: z.string(), url: z.string() }).optional(),
  scenario: ScenarioSchema,
  instances: z.number().int().positive(),
  poolSize: z.number().int().positive(),
  host: z.string(),
  port: z.number().int().nonnegative(),
  database: z.string(),
  seed: z.number().int(),
  options: StrategyOptionsSchema,
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

export function formatZodError(error: z.ZodError, where: string): string {
  const issue = error.issues[0]!;
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return `${where}: ${path}: ${issue.message}${more}`;
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
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
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

export function peakVUs(s: Pick<Scenario, 'startVUs' | 'stages'>): number {
  return Math.max(s.startVUs, ...s.stages.map((st) => st.target));
}

export function totalDuration(s: Pick<Scenario, 'stages'>): number {
  return s.stages.reduce((sum, st) => sum + st.duration, 0);
}

export function applyOverrides(base: Scenario, o: ScenarioOverrides): Scenario {
  const { vus, duration, stages, ...settings } = o;
  const s: Scenario = { ...base };
  if (stages) {
    s.stages = stages;
    s.startVUs = 1;
  } else if (vus !== undefined || duration !== undefined) {
    const constant = vus ?? peakVUs(base);
    s.stages = [{ duration: duration ?? totalDuration(base), target: constant }];
    s.startVUs = constant;
  }
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) Object.assign(s, { [key]: value });
  const changed = Object.entries(o).filter(([, v]) => v !== undefined);
  if (changed.length > 0) {
    s.name = base.name.endsWith('*') ? base.name : `${base.name}*`;
    s.overrides = [...base.overrides, ...changed.map(([key, value]) => `${key}=${describeOverride(value)}`)];
  }
  return s;
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
