/**
 * The one sequence of a run, the same for every system under test (src/system/): prepare ->
 * load (driven here, with the nemesis on its clock, or recorded elsewhere) -> observe -> audit ->
 * report. This module is the only one that knows the order, and `buildReport` the only place a
 * Report is made.
 */
import { randomUUID } from 'node:crypto';
import { checkFairness, checkIntegrity, findWitnesses, liveChecker, reconcileByUser, type StockReading } from './audit/index.js';
import type { RunConfig } from './config.js';
import { watchCpu, type CpuUsage } from './cpu.js';
import type { Calibration } from './db/calibrate.js';
import { DATABASES } from './db/index.js';
import { machine } from './environment.js';
import { startNemesis, withLiveness, type FaultChange, type Nemesis } from './faults/nemesis.js';
import { describeFaultEvent, type FaultRecord } from './faults/spec.js';
import type { Baseline } from './history/format.js';
import { infraUp, type Infra, type InfraRequest } from './infra/index.js';
import type { Resources } from './lifecycle.js';
import { drive, loadShape, type LoadRun } from './load/driver.js';
import { scheduleDuration } from './load/stages.js';
import { liveSampler } from './live/sample.js';
import { perSecondSeries, summarise } from './load/summary.js';
import { defaultWorkers } from './load/workers/pool.js';
import { REPORT_SCHEMA, REPORT_VERSION, type Report } from './report/schema.js';
import { embeddedSystem, preflight } from './system/embedded.js';
import type { RunEvent } from './timeline/events.js';
import { noServerCounts } from './server/counts.js';
import { watchStock, type StockWatch } from './system/stockWatch.js';
import type { Observation, Prepared, SystemDescription, SystemUnderTest } from './system/types.js';

export type { RunConfig } from './config.js';
export { faultOutOfReach, preflight } from './system/embedded.js';

export interface RunHooks {
  resources: Resources;
  /** The run's timeline as typed records (src/timeline/events.ts); the terminal renders them, and shows notices even under --quiet. */
  onEvent?: (event: RunEvent) => void;
  /** Called once the load has drained, before the audit (e.g. to write the history). */
  onLoadDone?: (run: LoadRun, baseline?: Baseline) => Promise<void>;
}

/** What a run measured besides the system's own figures. */
interface Extras {
  infraMs?: number;
  calibration?: Calibration;
}

/** Run `system` once: the one sequence. Returns the report (not yet written). */
export async function runSystem(system: SystemUnderTest, config: RunConfig, outer: RunHooks, extras: Extras = {}): Promise<Report> {
  return scoped(config, outer, async (hooks) => {
    const runId = randomUUID();
    const { prepared, run, faults, cpu, loadMs, stockReadings } = await prepareAndLoad(system, config, hooks, runId);
    const auditStarted = Date.now();
    const observation = await system.observe(run, hooks);
    const report = buildReport({
      id: runId,
      system: system.describe(),
      config,
      baseline: prepared.baseline,
      run,
      observation,
      faults,
      cpu,
      stockReadings,
      timings: { infraMs: extras.infraMs ?? 0, seedMs: prepared.seedMs, serverStartMs: prepared.serverStartMs, loadMs, auditMs: Date.now() - auditStarted },
      calibration: extras.calibration,
    });
    // A recorded load was never watched live (no run-start), so it has no run-end either.
    if (prepared.load.kind !== 'recorded') hooks.onEvent?.({ type: 'run-end', runId, report });
    return report;
  });
}

/**
 * The first half of the sequence only: prepare, load, hand the load to `onLoadDone` (a history
 * file). For one part of a load made by several machines, audited together later
 * (`run --no-audit`, then `audit --history parts/`).
 */
export function driveSystem(system: SystemUnderTest, config: RunConfig, outer: RunHooks): Promise<LoadRun> {
  return scoped(config, outer, async (hooks) => (await prepareAndLoad(system, config, hooks, randomUUID())).run);
}

/** What this run starts stops when it ends, so the next run of a matrix finds its ports free. */
async function scoped<T>(config: RunConfig, outer: RunHooks, body: (hooks: RunHooks) => Promise<T>): Promise<T> {
  const scope = outer.resources.scope(`run of ${config.strategy}`);
  try {
    return await body({ ...outer, resources: scope.resources });
  } finally {
    for (const failure of await scope.release()) outer.onEvent?.({ type: 'stop-failed', what: failure });
  }
}

async function prepareAndLoad(system: SystemUnderTest, config: RunConfig, hooks: RunHooks, runId: string) {
  const prepared = await system.prepare(hooks);
  const started = Date.now();
  const { run, faults, cpu, stockReadings } = await load(prepared, config, hooks, runId);
  const loadMs = prepared.load.kind === 'recorded' ? run.durationMs : Date.now() - started;
  faults.forEach((record) => hooks.onEvent?.({ type: 'fault', record }));
  await hooks.onLoadDone?.(run, prepared.baseline);
  return { prepared, run, faults, cpu, loadMs, stockReadings };
}

/** The load: driven now (the nemesis on its clock, CPU and stock watched), or the one recorded elsewhere. */
async function load(prepared: Prepared, config: RunConfig, hooks: RunHooks, runId: string): Promise<{ run: LoadRun; faults: FaultRecord[]; cpu: CpuUsage | null; stockReadings: StockReading[] }> {
  const how = prepared.load;
  if (how.kind === 'recorded') return { run: how.run, faults: [], cpu: null, stockReadings: [] };
  const scenario = config.scenario;
  let nemesis: Nemesis | undefined;
  let stock: StockWatch | undefined;
  const cpu = watchCpu(how.cpu);
  const tell = hooks.onEvent ?? (() => {});
  const sample = liveSampler(() => stock?.latest()?.left ?? null);
  const check = liveChecker(prepared.baseline.quantity);
  const run = await drive({
    onStart: (clock) => {
      tell({ type: 'run-start', runId, system: config.strategy, scenario: scenario.name, quantity: prepared.baseline.quantity, totalS: scheduleDuration(scenario) });
      if (prepared.stockLeft) stock = watchStock(prepared.stockLeft, clock);
      if (scenario.faults.length === 0 || !how.faults) return;
      const onChange: FaultChange = (f, active) => tell({ type: 'fault-change', runId, kind: f.kind, ...(f.link ? { link: f.link } : {}), target: f.target, atS: active ? f.startS : f.endS, active });
      nemesis = startNemesis(scenario.faults, { ...how.faults, clock }, onChange);
      hooks.resources.defer('faults in effect', async () => void (await nemesis?.finish()));
    },
    plan: how.plan,
    ...loadShape(scenario),
    seed: config.seed,
    workers: config.workers ?? defaultWorkers(how.plan.hostname),
    ...(how.filesHeldBeside !== undefined ? { filesHeldBeside: how.filesHeldBeside } : {}),
    onTick: (tick) => {
      tell({ type: 'sample', runId, sample: sample(tick) });
      for (const violation of check(tick.log, stock?.latest() ?? null)) tell({ type: 'violation', runId, atS: tick.elapsedS, violation });
    },
  });
  const usage = cpu.stop();
  const stockReadings = stock?.stop() ?? [];
  // Heal every fault (SIGCONT what is stopped) before the system is observed.
  const faults = nemesis ? withLiveness(await nemesis.finish(), run.log) : [];
  return { run, faults, cpu: usage, stockReadings };
}

interface ReportParts {
  /** The run's id, as its live events named it. */
  id?: string;
  system: SystemDescription;
  config: RunConfig;
  baseline: Baseline;
  run: LoadRun;
  observation: Observation;
  faults: FaultRecord[];
  cpu: CpuUsage | null;
  stockReadings: StockReading[];
  timings: Report['timings'];
  calibration?: Calibration;
}

/** The one place a Report is made: the audit of the observation against what the clients were told. */
export function buildReport(p: ReportParts): Report {
  const { run, observation: o, config } = p;
  const load = summarise(run);
  const q0 = p.baseline.quantity;
  const audit = checkIntegrity({
    initialQuantity: q0,
    snapshot: o.snapshot,
    clientIssued: load.outcomes.classes.success,
    clientUnknown: load.outcomes.classes.unknown,
    onePerUser: config.scenario.onePerUser,
    redisLedger: o.redisLedger,
    identity: o.holdings ? reconcileByUser(run.log, o.holdings) : undefined,
    probes: o.probes,
    ...(o.capacity !== undefined ? { capacity: o.capacity } : {}),
  });
  const fairness = checkFairness(run.log, o.issueOrder, q0, o.snapshot.rows ?? load.outcomes.classes.success, o.issueOrdered ?? true);
  const witnesses = findWitnesses({
    audit,
    log: run.log,
    readings: p.stockReadings,
    endS: run.durationMs / 1000,
    ...(o.holdings ? { holdings: o.holdings } : {}),
    issueOrder: o.issueOrder,
    issueOrdered: o.issueOrdered ?? true,
  });
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    id: p.id ?? randomUUID(),
    createdAt: new Date().toISOString(),
    config: { ...config, ...p.system },
    environment: { ...machine(), ...o.versions },
    timings: p.timings,
    load,
    series: perSecondSeries(run),
    server: o.server ?? noServerCounts(),
    audit,
    witnesses,
    stockReadings: p.stockReadings,
    fairness,
    faults: p.faults,
    cpu: p.cpu,
    ...(p.calibration ? { calibration: p.calibration } : {}),
    ...(o.persistence ? { persistence: o.persistence } : {}),
  };
}

/** Bring infra up for one or more runs; it is released with `hooks.resources`. */
export async function bringUpInfra(request: InfraRequest, hooks: RunHooks): Promise<Infra> {
  hooks.onEvent?.({ type: 'infra-asked', choice: request.choice });
  const infra = await infraUp(request);
  hooks.resources.defer(`${infra.kind} infra`, () => infra.down());
  hooks.onEvent?.({ type: 'infra-up', kind: infra.kind, shared: infra.shared, mysql: infra.mysqlUrl, postgres: infra.postgresUrl, redis: infra.redisUrls });
  return infra;
}

/** One strategy in the embedded server, on infra already up. */
export async function runOnInfra(infra: Infra, config: RunConfig, hooks: RunHooks, infraMs = 0, calibration?: Calibration): Promise<Report> {
  return runSystem(await embeddedSystem(infra, config), config, hooks, { infraMs, calibration });
}

/** Seconds per shape when a run or a matrix measures the ceiling itself: cheap, once. */
export const QUICK_CALIBRATION_S = 2;

/** The hot-row ceiling on this infra at the runs' total pool size, said as a stage line. */
export async function calibrateFor(infra: Infra, config: Pick<RunConfig, 'database' | 'instances' | 'poolSize' | 'db'>, hooks: RunHooks): Promise<Calibration> {
  const request = { database: config.database, connections: config.instances * config.poolSize, durationS: QUICK_CALIBRATION_S };
  const database = DATABASES[config.db ?? 'mysql'];
  const c = await database.calibrate(database.serverUrlOn(infra), request);
  hooks.onEvent?.({ type: 'calibrated', calibration: c });
  return c;
}

/** The whole pipeline for one strategy: checks, infra up, (calibration,) run, infra down (via resources). */
export async function runOnce(request: InfraRequest, config: RunConfig, hooks: RunHooks, withCalibration = false): Promise<Report> {
  await preflight(request, config, [config]);
  const started = Date.now();
  const infra = await bringUpInfra(request, hooks);
  const infraMs = Date.now() - started;
  const calibration = withCalibration ? await calibrateFor(infra, config, hooks) : undefined;
  return runOnInfra(infra, config, hooks, infraMs, calibration);
}
