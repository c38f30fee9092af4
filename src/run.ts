/**
 * One run, stage by stage: infra -> database -> server -> load -> audit -> report. This is the
 * only module that knows the whole order; each stage is a plain call with a typed value.
 */
import { randomUUID } from 'node:crypto';
import { strategyOf, type StrategyRef } from '../strategies/index.js';
import type { RedisClient, Strategy } from '../strategies/types.js';
import { FAULTS } from './faults/index.js';
import { startNemesis, withLiveness, type Nemesis } from './faults/nemesis.js';
import type { FaultSpec } from './faults/spec.js';
import type { LockHolder } from './faults/targets.js';
import { checkFairness, checkIntegrity, reconcileByUser, snapshotDatabase } from './audit/index.js';
import type { RunConfig } from './config.js';
import { watchCpu, type CpuWatch } from './cpu.js';
import { calibrate, type Calibration } from './db/calibrate.js';
import { claimDatabase } from './db/claim.js';
import { databaseUrl, prepareDatabase, resetRedis } from './db/index.js';
import { machine } from './environment.js';
import { UsageError } from './errors.js';
import { connectRedis, redisServerVersion } from './infra/clients.js';
import { infraUp, type Infra, type InfraRequest } from './infra/index.js';
import { assertPortFree } from './infra/ports.js';
import { assertTempDirUsable } from './infra/local.js';
import type { Resources } from './lifecycle.js';
import type { Baseline } from './history/format.js';
import { drive, loadShape, type DriveTick, type LoadRun } from './load/driver.js';
import { embeddedPlan } from './load/requestPlan.js';
import { perSecondSeries, summarise } from './load/summary.js';
import { REPORT_SCHEMA, REPORT_VERSION, type Report } from './report/schema.js';
import { issuePath } from './server/httpContract.js';
import { startServer } from './server/index.js';

export type { RunConfig } from './config.js';

export interface RunHooks {
  resources: Resources;
  onStage?: (message: string) => void;
  /** Lines shown even under --quiet and --json (on stderr): what runs on this machine in the user's name. */
  onNotice?: (message: string) => void;
  onTick?: (tick: DriveTick) => void;
  /** Called once the load has drained, before the audit (e.g. to write the history). */
  onLoadDone?: (run: LoadRun, baseline?: Baseline) => Promise<void>;
}

/**
 * Everything that can be checked before anything is started: each strategy can run in this
 * setup, the server can bind --host (and a fixed --port is free). A bad setup ends in one line, with nothing to stop.
 */
export async function preflight(request: InfraRequest, config: Omit<RunConfig, 'strategy'>, strategies: StrategyRef[]): Promise<void> {
  for (const ref of strategies) {
    const strategy = await strategyOf(ref);
    const problem = strategy.validate?.({ redisNodes: request.redisNodes, instances: config.instances });
    if (problem) throw new UsageError(strategies.length > 1 ? `${ref.strategy}: ${problem}` : problem);
    if (config.options.fencing && !strategy.fencing) {
      throw new UsageError(`${strategy.name} takes no --fencing (it fits redis-pubsub and redis-fair; redis-spin-fenced has it built in)`);
    }
  }
  await assertPortFree(config.port, config.host);
  if (request.choice === 'local' || (request.choice === 'auto' && !request.mysqlUrl && !request.redisUrl)) assertTempDirUsable();
  for (const fault of config.scenario.faults) {
    if (fault.instance !== undefined && fault.instance > config.instances) throw new UsageError(`${fault.kind}: there is no server instance ${fault.instance} (--instances ${config.instances})`);
    if (FAULTS[fault.kind].needsLocalInfra && (request.choice === 'external' || request.choice === 'docker' || request.mysqlUrl || request.redisUrl)) {
      throw new UsageError(`${fault.kind} stops MySQL or Redis processes: it needs databases this run starts itself (--infra local), not ones it was given`);
    }
  }
}

/** A fault that stops MySQL or Redis, where this infra is not the run's to stop (auto may have chosen such). */
export function faultOutOfReach(infra: Infra, faults: FaultSpec[]): FaultSpec | undefined {
  return infra.processes ? undefined : faults.find((f) => FAULTS[f.kind].needsLocalInfra);
}

/** The same check as preflight's, once infra is up. */
function assertFaultsCanRun(infra: Infra, faults: FaultSpec[]): void {
  const needs = faultOutOfReach(infra, faults);
  if (needs) throw new UsageError(`${needs.kind} stops MySQL or Redis processes: it needs databases this run starts itself (--infra local), not ${infra.kind}${infra.shared ? ' (kept running)' : ''} infra`);
}

/** Bring infra up for one or more runs; it is released with `hooks.resources`. */
export async function bringUpInfra(request: InfraRequest, hooks: RunHooks): Promise<Infra> {
  hooks.onStage?.(`infra: ${request.choice}`);
  const infra = await infraUp(request);
  hooks.resources.defer(`${infra.kind} infra`, () => infra.down());
  hooks.onStage?.(`infra: ${infra.kind}${infra.shared ? ' (kept running)' : ''}, mysql ${new URL(infra.mysqlUrl).host}, redis ${infra.redisUrls.map((u) => new URL(u).host).join(' ')}`);
  return infra;
}

/** Everything after infra: seed, serve, load, audit. Returns the report (not yet written). */
export async function runOnInfra(infra: Infra, config: RunConfig, hooks: RunHooks, infraMs = 0, calibration?: Calibration): Promise<Report> {
  const strategy = await strategyOf(config);
  const scenario = config.scenario;
  assertFaultsCanRun(infra, scenario.faults);

  let started = Date.now();
  // Owned from before the reset to after the audit: a second run on this database is refused.
  const claim = await claimDatabase(infra.mysqlUrl, config.database);
  const releaseClaim = hooks.resources.defer(`claim on database ${config.database}`, () => claim.release());
  const prepared = await prepareDatabase({
    mysqlUrl: infra.mysqlUrl,
    database: config.database,
    quantity: scenario.quantity,
    userPool: scenario.userPool,
  });
  await claim.announce(`${strategy.name} on ${scenario.name}`);
  const redisClients = infra.redisUrls.map((url) => connectRedis(url, 'couponbench', infra.redisCluster));
  let redisVersion: string;
  try {
    await resetRedis(redisClients, prepared.couponId);
    await strategy.prepare?.(redisClients[0]!, prepared);
    redisVersion = await redisServerVersion(redisClients[0]!);
  } finally {
    redisClients.forEach((c) => c.disconnect());
  }
  const seedMs = Date.now() - started;
  hooks.onStage?.(`seeded coupon ${prepared.couponId} with ${scenario.quantity} units, ${scenario.userPool} users (${seedMs} ms)`);

  started = Date.now();
  const dbUrl = databaseUrl(infra.mysqlUrl, config.database);
  const server = await startServer({
    instances: config.instances,
    host: config.host,
    port: config.port,
    mysqlUrl: dbUrl,
    redisUrls: infra.redisUrls,
    redisCluster: infra.redisCluster ?? false,
    strategy: strategy.name,
    strategyModule: config.strategyModule,
    options: config.options,
    onePerUser: scenario.onePerUser,
    poolSize: config.poolSize,
  });
  const stopServer = hooks.resources.defer('issuance server', () => server.kill());
  const serverStartMs = Date.now() - started;
  hooks.onStage?.(`server: ${config.instances} instances of ${strategy.name} on ${server.url}`);

  started = Date.now();
  const faultTargets = {
    instances: server.processes,
    infra: infra.processes,
    lockHolder: strategy.lockHolder && lockHolderReader(infra, strategy.lockHolder, prepared.couponId, hooks),
    stallNextHolder: server.stallNextHolder,
  };
  let nemesis: Nemesis | undefined;
  const cpu = watchCpu(cpuComponents(server.processes, infra));
  const run = await drive({
    onStart: (clock) => {
      if (scenario.faults.length === 0) return;
      nemesis = startNemesis(scenario.faults, { ...faultTargets, clock });
      hooks.resources.defer('faults in effect', async () => void (await nemesis?.finish()));
    },
    plan: embeddedPlan(server.url, issuePath(prepared.couponId)),
    ...loadShape(scenario),
    seed: config.seed,
    onTick: hooks.onTick,
  });
  const loadMs = Date.now() - started;
  const cpuUsage = cpu.stop();
  // Heal every fault (SIGCONT what is stopped) before the server is drained and stopped.
  const faults = nemesis ? withLiveness(await nemesis.finish(), run.log) : [];
  faults.forEach((f) => hooks.onStage?.(`fault ${f.kind} ${f.startS.toFixed(2)}-${f.endS.toFixed(2)} s on ${f.target}: ${f.events.join('; ')}`));
  await hooks.onLoadDone?.(run);

  // A write-behind strategy's winners reach MySQL after their 200: wait for them before counting.
  started = Date.now();
  const persistence = strategy.settle ? await readLedger(infra, (redis) => strategy.settle!(redis, prepared.couponId, SETTLE_TIMEOUT_MS)) : undefined;
  if (persistence) hooks.onStage?.(`write-behind: ${persistence.persisted} of ${persistence.claimed} winners in MySQL after ${(persistence.settleMs / 1000).toFixed(1)} s${persistence.drained ? '' : ' (not drained)'}`);
  // Stop the server before the audit so that nothing is still writing while we count.
  const tally = await server.stop();
  await stopServer(); // already stopped: this only forgets the deferred kill
  const load = summarise(run);
  const snapshot = await snapshotDatabase(dbUrl, prepared.couponId);
  const redisLedger = strategy.ledger ? await readLedger(infra, (redis) => strategy.ledger!(redis, prepared.couponId)) : undefined;
  const audit = checkIntegrity({
    initialQuantity: scenario.quantity,
    snapshot,
    clientIssued: load.outcomes.classes.success,
    clientUnknown: load.outcomes.classes.unknown,
    onePerUser: scenario.onePerUser,
    redisLedger,
    identity: reconcileByUser(run.log, snapshot.holdings),
  });
  const fairness = checkFairness(run.log, snapshot.issueOrder, scenario.quantity, snapshot.rows);
  const auditMs = Date.now() - started;
  await releaseClaim();

  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    config: {
      ...config,
      strategy: strategy.name,
      promise: strategy.promise,
      infra: infra.kind,
      survives: [...((config.options.fencing ? strategy.fencing?.survives : strategy.survives) ?? [])],
      ceiling: strategy.ceiling ?? 'conditional-update',
    },
    environment: { ...machine(), mysqlVersion: prepared.mysqlVersion, redisVersion },
    timings: { infraMs, seedMs, serverStartMs, loadMs, auditMs },
    load,
    series: perSecondSeries(run),
    server: { tally },
    audit,
    fairness,
    faults,
    cpu: cpuUsage,
    ...(calibration ? { calibration } : {}),
    ...(persistence ? { persistence } : {}),
  };
}

/** What to watch the CPU of: this process (the driver), each server instance, and the databases this run started. */
function cpuComponents(instances: Array<{ instance: number; pid: number }>, infra: Infra): CpuWatch[] {
  const watched: CpuWatch[] = [{ name: 'driver', pid: process.pid, singleThreaded: true }];
  for (const i of instances) watched.push({ name: `server#${i.instance}`, pid: i.pid, singleThreaded: true });
  if (infra.processes) {
    watched.push({ name: 'mariadbd', pid: infra.processes.mysqlPid, singleThreaded: false });
    infra.processes.redisPids().forEach((pid, i) => watched.push({ name: i === 0 ? 'redis-server' : `redis-server#${i + 1}`, pid, singleThreaded: true }));
  }
  return watched;
}

/** A reader of the coupon lock's holder on its own Redis connection (closed with the run's resources). */
function lockHolderReader(infra: Infra, read: NonNullable<Strategy['lockHolder']>, couponId: number, hooks: RunHooks): () => Promise<LockHolder | null> {
  let redis: RedisClient | undefined;
  return () => {
    if (!redis) {
      const client = connectRedis(infra.redisUrl, 'couponbench-nemesis', infra.redisCluster);
      client.on('error', () => {});
      hooks.resources.defer('nemesis redis connection', () => client.disconnect());
      redis = client;
    }
    return read(redis, couponId);
  };
}

async function readLedger<T>(infra: Infra, read: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = connectRedis(infra.redisUrl, 'couponbench', infra.redisCluster);
  try {
    return await read(redis);
  } finally {
    redis.disconnect();
  }
}

/** How long the audit waits for a write-behind queue to drain. */
const SETTLE_TIMEOUT_MS = 60_000;

/** Seconds per shape when a run or a matrix measures the ceiling itself: cheap, once. */
export const QUICK_CALIBRATION_S = 2;

/** The hot-row ceiling on this infra at the runs' total pool size, said as a stage line. */
export async function calibrateFor(infra: Infra, config: Pick<RunConfig, 'database' | 'instances' | 'poolSize'>, hooks: RunHooks): Promise<Calibration> {
  const c = await calibrate({ mysqlUrl: infra.mysqlUrl, database: config.database, connections: config.instances * config.poolSize, durationS: QUICK_CALIBRATION_S });
  hooks.onStage?.(`calibrated at ${c.connections} connections: conditional update ${Math.round(c.ceilings['conditional-update'])} tx/s, select for update ${Math.round(c.ceilings['select-for-update'])} tx/s`);
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
