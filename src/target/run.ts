/**
 * One run against a user's service: reset -> read Q0 -> load -> settle -> probes -> audit. The
 * same load driver, audit and report as the embedded runs; what differs is where the figures
 * come from (the target file's probes instead of our schema).
 */
import { watchCpu, type CpuUsage } from '../cpu.js';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { checkFairness, checkIntegrity, reconcileByUser, type AuditInput } from '../audit/index.js';
import type { ProbeCheck } from '../audit/integrity.js';
import type { RunConfig } from '../config.js';
import { machine } from '../environment.js';
import { InfraError, UsageError } from '../errors.js';
import { drive, loadShape, type LoadRun } from '../load/driver.js';
import type { Baseline } from '../history/format.js';
import { perSecondSeries, summarise } from '../load/summary.js';
import { REPORT_SCHEMA, REPORT_VERSION, type Report } from '../report/schema.js';
import type { RunHooks } from '../run.js';
import { targetDir, type LoadedTarget } from './file.js';
import { TargetState, type IssuedRead } from './probes.js';
import { targetPlan } from './requestPlan.js';
import { runReset } from './reset.js';
import { templateUrl } from './template.js';
import type { TargetFile } from './schema.js';

const SETTLE_POLL_MS = 250;

/** The run's config for a target: its name stands where a strategy's would. */
export function targetConfig(loaded: LoadedTarget, base: Omit<RunConfig, 'strategy'>): RunConfig {
  const { target } = loaded;
  return { ...base, strategy: target.name, instances: target.instances, target: { file: loaded.file, url: target.request.url } };
}

/** What the probes read at one moment. */
interface Reading {
  quantity: number;
  issued?: IssuedRead;
  extra: Record<string, number>;
}

async function read(state: TargetState, target: TargetFile): Promise<Reading> {
  const quantity = await state.readNumber(target.audit.quantity, 'audit.quantity');
  const issued = target.audit.issued ? await state.readIssued(target.audit.issued, 'audit.issued') : undefined;
  const extra: Record<string, number> = {};
  for (const [name, probe] of Object.entries(target.audit.extra)) extra[name] = await state.readNumber(probe, `audit.extra.${name}`);
  return { quantity, issued, extra };
}

/** Poll until two reads in a row agree (at most `settleS`), for services that write after they answer. */
async function settledRead(state: TargetState, target: TargetFile, settleS: number, say: (m: string) => void): Promise<Reading> {
  let last = await read(state, target);
  if (settleS <= 0) return last;
  const deadline = Date.now() + settleS * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    const next = await read(state, target);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  say(`settle: the probes still changed after ${settleS}s; auditing the last read`);
  return last;
}

export async function assertReachable(url: string, name: string, timeoutMs = 3000): Promise<void> {
  const u = templateUrl(url);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    const fail = (why: string) => {
      socket.destroy();
      reject(new InfraError(`cannot reach ${name} at ${u.origin}: ${why}`));
    };
    socket.once('timeout', () => fail(`no answer within ${timeoutMs / 1000}s`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

/** Coupons each user gained during the run: the issued records after, less those before. */
function gained(before: number[] | undefined, after: number[]): { holdings: Map<number, number>; order: number[] } {
  const holdings = new Map<number, number>();
  for (const u of after) holdings.set(u, (holdings.get(u) ?? 0) + 1);
  for (const u of before ?? []) holdings.set(u, (holdings.get(u) ?? 0) - 1);
  for (const [u, n] of holdings) if (n <= 0) holdings.delete(u);
  const seen = new Set<number>();
  const order = after.filter((u) => holdings.has(u) && !seen.has(u) && seen.add(u));
  return { holdings, order };
}

export async function runTarget(loaded: LoadedTarget, config: RunConfig, hooks: RunHooks): Promise<Report> {
  const { target } = loaded;
  const scenario = config.scenario;
  if (scenario.faults.length > 0) throw new UsageError('faults act on the processes couponbench starts (the embedded server, local MySQL and Redis); a target service is not one of them');
  const say = hooks.onStage ?? (() => {});
  const values = { couponId: target.couponId, quantity: scenario.quantity };

  await assertReachable(target.request.url, target.name);
  if (target.login) await assertReachable(target.login.request.url, `${target.name} (login)`);
  const state = new TargetState(target, values);
  const closeState = hooks.resources.defer('target connections', () => state.close());

  let started = Date.now();
  if (target.reset) await runReset(target.reset, state, values, targetDir(loaded), { say, notice: hooks.onNotice ?? say });
  const before = await read(state, target);
  const baseline: Baseline = { quantity: before.quantity, ...(before.issued ? { issued: before.issued } : {}) };
  if (!target.reset) say(`no reset steps: nothing was reset; Q0 = ${before.quantity} read with audit.quantity`);
  else if (before.quantity !== scenario.quantity) say(`after the reset audit.quantity reads ${before.quantity}, not --quantity ${scenario.quantity}; the audit uses ${before.quantity}`);
  if (before.issued && before.issued.count > 0) say(`${before.issued.count} issued records before the load; the audit counts only those added`);
  const plan = targetPlan(target, values, scenario.timeout * 1000);
  if (plan.login) await plan.login(1, 0); // a login that yields no token ends here, before any load
  const seedMs = Date.now() - started;

  started = Date.now();
  say(`load: ${target.name} at ${target.request.url}`);
  // The service is not ours to watch; the driver's own CPU still says whether it limited the run.
  const cpu = watchCpu([{ name: 'driver', pid: process.pid, singleThreaded: true }]);
  const run = await drive({
    plan,
    ...loadShape(scenario),
    seed: config.seed,
    onTick: hooks.onTick,
  });
  const loadMs = Date.now() - started;
  const cpuUsage = cpu.stop();
  await hooks.onLoadDone?.(run, baseline);

  const report = await auditTarget({ loaded, config, state, run, baseline, timings: { seedMs, loadMs }, cpu: cpuUsage }, say);
  await closeState();
  return report;
}

export interface TargetAudit {
  loaded: LoadedTarget;
  config: RunConfig;
  state: TargetState;
  /** The requests to judge: this run's, or a history's. */
  run: LoadRun;
  /** The stock and the issued records before the load. */
  baseline: Baseline;
  timings: { seedMs: number; loadMs: number };
  /** CPU while the load ran (a history has none). */
  cpu?: CpuUsage | null;
}

/** Read the target's probes (after settling) and judge them against what each client was told. */
export async function auditTarget(t: TargetAudit, say: (m: string) => void): Promise<Report> {
  const { target } = t.loaded;
  const { run, baseline, config } = t;
  const started = Date.now();
  const after = await settledRead(t.state, target, target.settle, say);
  const { mysqlVersion, redisVersion } = await t.state.versions();
  const load = summarise(run);
  const q0 = baseline.quantity;
  const users = after.issued?.users ? gained(baseline.issued?.users, after.issued.users) : undefined;
  const rows = after.issued ? after.issued.count - (baseline.issued?.count ?? 0) : null;
  let duplicates: Pick<AuditInput['snapshot'], 'duplicateUsers' | 'duplicateRows'> = { duplicateUsers: null, duplicateRows: null };
  if (users) {
    const extra = [...users.holdings.values()].filter((n) => n > 1);
    duplicates = { duplicateUsers: extra.length, duplicateRows: extra.reduce((sum, n) => sum + n - 1, 0) };
  }
  const probes: ProbeCheck[] = Object.entries(target.audit.extra).map(([name, probe]) => ({
    name,
    value: after.extra[name]!,
    equals: probe.equals,
    expected: probe.equals === 'quantity' ? after.quantity : (after.issued?.count ?? 0),
  }));
  const audit = checkIntegrity({
    initialQuantity: q0,
    snapshot: { finalQuantity: after.quantity, rows, ...duplicates },
    clientIssued: load.outcomes.classes.success,
    clientUnknown: load.outcomes.classes.unknown,
    onePerUser: config.scenario.onePerUser,
    identity: users ? reconcileByUser(run.log, users.holdings) : undefined,
    probes,
  });
  const fairness = checkFairness(run.log, users?.order ?? [], q0, rows ?? load.outcomes.classes.success);

  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    config: { ...config, promise: target.promise, infra: 'external', survives: [] },
    environment: { ...machine(), mysqlVersion, redisVersion },
    timings: { infraMs: 0, seedMs: t.timings.seedMs, serverStartMs: 0, loadMs: t.timings.loadMs, auditMs: Date.now() - started },
    load,
    series: perSecondSeries(run),
    server: { tally: {} },
    audit,
    fairness,
    faults: [],
    cpu: t.cpu ?? null,
  };
}
