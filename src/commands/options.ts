/**
 * The flags `run` and `matrix` share, as tables: a scenario setting or a strategy knob that a
 * flag can set is one row here (plus its schema field and the code that uses it).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_STRATEGY_OPTIONS, type StrategyOptions } from '../../strategies/index.js';
import { parseStagesFlag, type ScenarioOverrides } from '../config.js';
import { formatDuration, parseDuration } from '../duration.js';
import { MAX_QUANTITY } from '../db/schema.js';
import { MAX_USER_POOL } from '../db/seed.js';
import { DATABASE_KINDS, type DatabaseKind } from '../db/kinds.js';
import type { InfraChoice } from '../infra/types.js';
import { dashboardSpec, DASHBOARD_PORT, OUTPUT_KINDS, splitOut, type LiveSpec } from '../live/spec.js';
import { FAULT_KINDS, parseFaultFlag, type FaultSpec } from '../faults/spec.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

/** A positive whole number up to `max`; `why` says where the bound comes from. */
export function positiveIntAtMost(max: number, why: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max.toLocaleString('en-US')} (${why})`);
    return n;
  };
}

export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port, 0 to 65535 (0 picks a free one)');
  return n;
}

/** A duration that must be above zero (a run length, a timeout). */
export function positiveSeconds(value: string): number {
  const s = seconds(value);
  if (s <= 0) throw new InvalidArgumentError('expected a duration above 0, e.g. 10s');
  return s;
}

export function seconds(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function stages(value: string): ReturnType<typeof parseStagesFlag> {
  try {
    return parseStagesFlag(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; expected e.g. 10s:2000,80s:2000`);
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

type ScenarioKey = keyof ScenarioOverrides;

/** Flags that override scenario fields; the commander attribute name is the scenario key. */
/** `attribute` where commander's name for the flag differs from the scenario key (a repeatable singular flag). */
const SCENARIO_FLAGS: Array<{ flags: string; key: ScenarioKey; attribute?: string; help: string; parse?: (v: string, previous: never) => unknown }> = [
  { flags: '--quantity <n>', key: 'quantity', help: 'coupon units to seed', parse: positiveIntAtMost(MAX_QUANTITY, 'coupons.quantity is an INT') },
  { flags: '--vus <n>', key: 'vus', help: 'constant virtual users (replaces the stages)', parse: positiveInt },
  { flags: '--duration <d>', key: 'duration', help: 'run length, e.g. 30s (replaces the stages)', parse: positiveSeconds },
  { flags: '--stages <list>', key: 'stages', help: 'k6 stages as DURATION:TARGET,..., e.g. 10s:2000,80s:2000', parse: stages },
  { flags: '--think-time <d>', key: 'thinkTime', help: 'pause of each virtual user after each response, e.g. 1s', parse: seconds },
  { flags: '--user-pool <n>', key: 'userPool', help: 'distinct user ids requests are drawn from', parse: positiveIntAtMost(MAX_USER_POOL, 'users couponbench seeds') },
  { flags: '--one-per-user', key: 'onePerUser', help: 'a user may hold at most one coupon' },
  { flags: '--no-one-per-user', key: 'onePerUser', help: 'a user may hold several coupons' },
  { flags: '--timeout <d>', key: 'timeout', help: 'client request timeout', parse: positiveSeconds },
  { flags: '--fault <kind@at:duration>', key: 'faults', attribute: 'fault', help: `a fault, repeatable, e.g. pause-holder@5s:3s (kinds: ${FAULT_KINDS.join(', ')})`, parse: fault },
];

function fault(value: string, previous: FaultSpec[] | undefined): FaultSpec[] {
  try {
    return [...(previous ?? []), parseFaultFlag(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Flags that set strategy options; durations are given in seconds-notation and stored in ms. */
const STRATEGY_FLAGS: Array<{ flags: string; attribute: string; key: Exclude<keyof StrategyOptions, 'fencing'>; help: string; toOption: (v: number) => number; parse: (v: string) => number }> = [
  { flags: '--lock-wait <d>', attribute: 'lockWait', key: 'lockWaitMs', help: 'how long a lock strategy waits for the lock', parse: seconds, toOption: (s) => s * 1000 },
  { flags: '--lock-lease <d>', attribute: 'lockLease', key: 'lockLeaseMs', help: 'lock lease (expiry); the watchdog timeout for redis-pubsub', parse: seconds, toOption: (s) => s * 1000 },
  { flags: '--retry-interval <d>', attribute: 'retryInterval', key: 'retryIntervalMs', help: 'pause between lock polls, version retries and backoff base', parse: seconds, toOption: (s) => s * 1000 },
  { flags: '--max-retries <n>', attribute: 'maxRetries', key: 'maxRetries', help: 'retries after the first attempt (optimistic, fair lock wrapper)', parse: nonNegativeInt, toOption: (n) => n },
];

const DEFAULT_DB: DatabaseKind = 'mysql';
const DEFAULT_INSTANCES = 2;

/** The embedded server's flags that differ from their defaults, and the strategy flags given, as they would be typed again (`--lock-lease 1s`): a reproducer repeats them. */
export function strategyArgs(flags: Record<string, unknown>): string[] {
  const server = [...(flags['instances'] !== undefined && flags['instances'] !== DEFAULT_INSTANCES ? [`--instances ${String(flags['instances'])}`] : []), ...(flags['db'] !== undefined && flags['db'] !== DEFAULT_DB ? [`--db ${String(flags['db'])}`] : [])];
  const given = STRATEGY_FLAGS.filter((f) => flags[f.attribute] !== undefined).map((f) => {
    const value = flags[f.attribute] as number;
    return `${f.flags.split(' ')[0]} ${f.key === 'maxRetries' ? value : formatDuration(value)}`;
  });
  return [...server, ...given, ...(flags['fencing'] ? ['--fencing'] : [])];
}

const INFRA_CHOICES: InfraChoice[] = ['auto', 'local', 'docker', 'external'];

/** What commander hands a `run` or `matrix` action; the table-driven keys come in as well. */
/** Where MySQL and Redis come from: every command that brings infra up takes these. */
export interface InfraFlags extends Record<string, unknown> {
  infra: InfraChoice;
  mysqlUrl?: string;
  redisUrl?: string;
  redisNodes: number;
  database?: string;
  db: DatabaseKind;
  postgresUrl?: string;
}

/** Every command that judges runs takes it: a run that issued nothing while stock remained fails unless this is given. */
export function allowNoIssueOption(): Option {
  return new Option('--allow-no-issue', 'let a run that issued nothing while stock remained pass (it tests refusals only)');
}

export function addInfraOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--infra <kind>', 'where MySQL and Redis come from').choices(INFRA_CHOICES).default('auto'))
    .option('--mysql-url <url>', 'external MySQL, e.g. mysql://root@127.0.0.1:3306/bench (or MYSQL_URL); its database is the one couponbench owns')
    .option('--redis-url <url[,url]>', 'external Redis node(s), e.g. redis://127.0.0.1:6379 (or REDIS_URL)')
    .option('--redis-nodes <n>', 'independent Redis nodes to start (local infra; redlock uses them all)', positiveInt, 1)
    .option('--database <name>', "database couponbench owns on the MySQL server (default: the MySQL URL's, else couponbench)")
    .addOption(new Option('--db <kind>', 'what the embedded server issues on: MySQL (or MariaDB) or PostgreSQL').choices(DATABASE_KINDS).default(DEFAULT_DB))
    .option('--postgres-url <url>', '--db postgres: an external PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres (or POSTGRES_URL); default: a private one');
}

export interface RunFlags extends InfraFlags {
  scenario: string;
  instances: number;
  poolSize: number;
  host: string;
  port: number;
  seed: number;
  workers?: number;
  gate?: boolean;
  allowNoIssue?: boolean;
  threshold?: string[];
  quiet?: boolean;
  /** From --dashboard, --dashboard-keep and the --out KIND=URL entries (set before the action runs). */
  live?: LiveSpec;
}

export function addRunOptions(cmd: Command): Command {
  cmd.option('--scenario <name|file>', 'bundled scenario name or path to a scenario JSON file', 'smoke');
  for (const f of SCENARIO_FLAGS) cmd.addOption(tableOption(f.flags, f.help, f.attribute ?? f.key, f.parse));
  cmd
    .option('--instances <n>', 'issuance server instances (node:cluster workers)', positiveInt, DEFAULT_INSTANCES)
    .option('--pool-size <n>', 'MySQL connections per instance', positiveInt, 10)
    .option('--host <addr>', 'address the server binds', '127.0.0.1')
    .option('--port <n>', 'server port (0 picks a free one)', portNumber, 0);
  addInfraOptions(cmd)
    .option('--seed <n>', 'seed of the user-id sequence', nonNegativeInt, 1)
    .option('--workers <n>', 'driver threads, each with its own connections (default: one per core, less one when the system under test runs on this machine)', positiveIntAtMost(256, 'more threads than that is not load'));
  for (const f of STRATEGY_FLAGS) cmd.addOption(tableOption(f.flags, f.help, f.attribute, f.parse));
  return cmd
    .option('--fencing', 'give the lock a fencing token the coupon row checks (redis-pubsub, redis-fair)')
    .option('--gate', 'exit by the integrity gate: promised integrity kept, or the race reproduced where none is promised')
    .addOption(allowNoIssueOption())
    .option('--threshold <expr>', "k6-style threshold, repeatable: 'p95<500ms', 'failed<1%', 'issued_rate>800'", collect)
    .option('-q, --quiet', 'no progress output')
    .option('--dashboard [port]', `watch the run live in a browser: a page on 127.0.0.1 (default port ${DASHBOARD_PORT}; 0 picks a free one)`)
    .option('--dashboard-keep', 'keep the dashboard up after the run, until Ctrl-C')
    .hook('preAction', (_, action) => {
      // --out is repeatable: the command's own file, and KIND=URL metric outputs (k6's syntax).
      const flags = action.opts<{ out?: string[]; dashboard?: true | string; dashboardKeep?: boolean }>();
      const { file, outputs } = splitOut(flags.out);
      action.setOptionValue('out', file);
      action.setOptionValue('live', { dashboard: dashboardSpec(flags.dashboard, flags.dashboardKeep, DASHBOARD_PORT), outputs } satisfies LiveSpec);
    });
}

/** `--out` on run, matrix and hunt: the command's file, or a metric output KIND=URL; repeatable. */
export const outHelp = (file: string) => `${file}; or KIND=URL, repeatable, to send the run's metrics live: ${OUTPUT_KINDS.map((k) => `${k}=URL`).join(', ')}`;

/** An option whose value commander stores under `attribute` (checked, so the tables cannot lie). */
function tableOption(flags: string, help: string, attribute: string, parse?: (v: string, previous: never) => unknown): Option {
  const option = new Option(flags, help);
  if (option.attributeName() !== attribute) throw new Error(`option ${flags} is stored as ${option.attributeName()}, not ${attribute}`);
  return parse ? option.argParser(parse as (v: string, previous: unknown) => unknown) : option;
}

export function scenarioOverrides(flags: RunFlags): ScenarioOverrides {
  return Object.fromEntries(SCENARIO_FLAGS.map((f) => [f.key, flags[f.attribute ?? f.key]]).filter(([, v]) => v !== undefined));
}

export function strategyOptions(flags: RunFlags): StrategyOptions {
  const options = { ...DEFAULT_STRATEGY_OPTIONS };
  for (const f of STRATEGY_FLAGS) {
    const value = flags[f.attribute];
    if (typeof value === 'number') options[f.key] = f.toOption(value);
  }
  if (flags.fencing === true) options.fencing = true;
  return options;
}
