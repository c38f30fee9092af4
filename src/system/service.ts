/**
 * A user's service, described by a target file: couponbench did not start it. Its reset steps
 * prepare it, its probes read the stock and the issued records before and after, and its request
 * plan is what the virtual users send.
 */
import { connect } from 'node:net';
import type { ProbeCheck } from '../audit/integrity.js';
import { duplicatesOf } from '../audit/snapshot.js';
import { InfraError, UsageError } from '../errors.js';
import { FAULTS } from '../faults/index.js';
import { openLink, type LinkProxy } from '../faults/links/proxy.js';
import { assertFaultsRun, type FaultOffer } from '../faults/capabilities.js';
import { LINK_NAMES, survivedFaults, type FaultSpec, type LinkName } from '../faults/spec.js';
import type { LockHolder } from '../faults/targets.js';
import { processGroupOf } from '../infra/process.js';
import { startService, type ServiceInstance } from '../service/processes.js';
import type { Baseline } from '../history/format.js';
import type { RunHooks } from '../run.js';
import { targetDir, type LoadedTarget } from '../service/file.js';
import { TargetState, type IssuedRead } from '../service/probes.js';
import { targetPlan } from '../service/requestPlan.js';
import { runReset } from '../service/reset.js';
import type { LockHolderProbe, TargetFile } from '../service/schema.js';
import { compileTemplate, templateUrl, type TemplateValues } from '../service/template.js';
import { checkHandshake, tlsClientOptions, type TlsClientOptions } from '../service/tls.js';
import type { RunEvent } from '../timeline/events.js';
import type { RunConfig } from '../config.js';
import type { Observation, Prepared, SystemDescription, SystemUnderTest } from './types.js';

const SETTLE_POLL_MS = 250;

/** What the probes read at one moment. */
interface Reading {
  /** The stock left: read (audit.quantity), or the capacity less the issued records. */
  quantity: number;
  /** How many may be issued in all, for a service that keeps no stock number (audit.capacity). */
  capacity?: number;
  issued?: IssuedRead;
  extra: Record<string, number>;
}

/** The capacity a file gives: a number, the run's --quantity, or a probe's reading. */
function readCapacity(state: TargetState, capacity: NonNullable<TargetFile['audit']['capacity']>, quantity: number): Promise<number> | number {
  if (typeof capacity === 'number') return capacity;
  if (capacity === '{quantity}') return quantity;
  return state.readNumber(capacity, 'audit.capacity');
}

/** The stock left now: what audit.quantity reads, or what the capacity leaves after the issued records. */
export async function readStockLeft(state: TargetState, target: TargetFile, quantity: number): Promise<Pick<Reading, 'quantity' | 'capacity' | 'issued'>> {
  const { capacity } = target.audit;
  if (capacity === undefined) return { quantity: await state.readNumber(target.audit.quantity!, 'audit.quantity') };
  const total = await readCapacity(state, capacity, quantity);
  const issued = await state.readIssued(target.audit.issued!, 'audit.issued');
  return { quantity: total - issued.count, capacity: total, issued };
}

async function read(state: TargetState, target: TargetFile, runQuantity: number): Promise<Reading> {
  const { quantity, capacity, issued: readForCapacity } = await readStockLeft(state, target, runQuantity);
  const issued = readForCapacity ?? (target.audit.issued ? await state.readIssued(target.audit.issued, 'audit.issued') : undefined);
  const extra: Record<string, number> = {};
  for (const [name, probe] of Object.entries(target.audit.extra)) extra[name] = await state.readNumber(probe, `audit.extra.${name}`);
  return { quantity, ...(capacity !== undefined ? { capacity } : {}), issued, extra };
}

/** Poll until two reads in a row agree (at most `settleS`), for services that write after they answer. */
async function settledRead(state: TargetState, target: TargetFile, quantity: number, settleS: number, onEvent: (e: RunEvent) => void): Promise<Reading> {
  let last = await read(state, target, quantity);
  if (settleS <= 0) return last;
  const deadline = Date.now() + settleS * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    const next = await read(state, target, quantity);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  onEvent({ type: 'settle-unsettled', settleS });
  return last;
}

/** The service answers on its port; over HTTPS, its certificate passes too. */
export async function assertReachable(url: string, name: string, tls: TlsClientOptions, port?: number, timeoutMs = 3000): Promise<void> {
  const u = templateUrl(url, port);
  if (u.protocol === 'https:') return checkHandshake(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 443), tls, `cannot reach ${name} at ${u.origin}`, timeoutMs);
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

/** A proxy for each link the file declares (listening where it says, else on a free port), stopped with the run. */
async function startLinks(target: TargetFile, hooks: RunHooks): Promise<Partial<Record<LinkName, LinkProxy>>> {
  const links: Partial<Record<LinkName, LinkProxy>> = {};
  for (const name of LINK_NAMES) {
    const link = target.links[name];
    if (link) links[name] = await openLink(name, link.upstream, hooks.resources, hooks.onEvent, link.listen);
  }
  return links;
}

/** The run's config for a target: its name stands where a strategy's would. */
export function targetConfig(loaded: LoadedTarget, base: Omit<RunConfig, 'strategy'>): RunConfig {
  const { target } = loaded;
  return { ...base, strategy: target.name, instances: target.service?.ports.length ?? target.instances, target: targetIdentity(loaded) };
}

export function describeService(loaded: LoadedTarget): SystemDescription {
  const { target } = loaded;
  return { strategy: target.name, promise: target.promise, infra: 'external', survives: survivedFaults(target.survives), knobs: [], target: targetIdentity(loaded) };
}

/** What names a target in a report: its file, URL, content and the command it was started with. */
function targetIdentity(loaded: LoadedTarget): NonNullable<RunConfig['target']> {
  const { target } = loaded;
  return { file: loaded.file, url: target.request.url, sha256: loaded.sha256, ...(target.service ? { command: target.service.command } : {}) };
}

/**
 * The final state of a service, read through its probes after they settle: the records gained
 * since the baseline, their holders, duplicates, and each extra probe against its figure.
 */
export async function observeService(state: TargetState, target: TargetFile, baseline: Baseline, hooks: RunHooks): Promise<Observation> {
  const after = await settledRead(state, target, baseline.capacity ?? baseline.quantity, target.settle, hooks.onEvent ?? (() => {}));
  const versions = await state.versions();
  const users = after.issued?.users ? gained(baseline.issued?.users, after.issued.users) : undefined;
  const rows = after.issued ? after.issued.count - (baseline.issued?.count ?? 0) : null;
  const duplicates: Pick<Observation['snapshot'], 'duplicateUsers' | 'duplicateRows'> = users ? duplicatesOf(users.holdings) : { duplicateUsers: null, duplicateRows: null };
  const probes: ProbeCheck[] = Object.entries(target.audit.extra).map(([name, probe]) => ({
    name,
    value: after.extra[name]!,
    equals: probe.equals,
    expected: probe.equals === 'quantity' ? after.quantity : (after.issued?.count ?? 0),
  }));
  await state.close();
  return {
    snapshot: { finalQuantity: after.quantity, rows, ...duplicates },
    ...(after.capacity !== undefined ? { capacity: after.capacity } : {}),
    ...(users ? { holdings: users.holdings } : {}),
    issueOrder: users?.order ?? [],
    ...(after.issued?.ordered === false ? { issueOrdered: false } : {}),
    probes,
    versions,
  };
}

/** A target file's probes and reset steps on connections of their own, closed with the run. */
export function targetState(loaded: LoadedTarget, quantity: number, hooks: RunHooks): TargetState {
  const state = new TargetState(loaded.target, { couponId: loaded.target.couponId, quantity });
  hooks.resources.defer('target connections', () => state.close());
  return state;
}

/** What a service offers faults: the instances couponbench starts, its lock-holder probe, the links its file declares. */
export function serviceOffer(target: TargetFile): FaultOffer {
  return {
    system: { kind: 'service', started: Boolean(target.service) },
    instances: target.service?.ports.length ?? 0,
    lockHolder: Boolean(target.service?.lockHolder),
    links: LINK_NAMES.filter((name) => target.links[name]),
    ownInfra: false,
    serverHook: false,
  };
}

/** Who holds the service's lock now, read with its own connections (the nemesis polls it while probes may run). */
function serviceLockHolder(spec: LockHolderProbe, state: TargetState, instances: ServiceInstance[], values: TemplateValues): () => Promise<LockHolder | null> {
  const owner = new RegExp(spec.owner);
  // Named as it was read (`GET lock:SKU-1`), not as the file writes it.
  const key = compileTemplate(spec.redis ?? spec.sql!, 'text').render(values);
  return async () => {
    const value = await state.readText(spec, 'service.lockHolder');
    if (value === null || value === '') return null;
    const match = owner.exec(value);
    const id = match ? Number(match[1] ?? match[0]) : NaN;
    const holder = instances.find((i) => (spec.ownerIs === 'port' ? i.port === id : processGroupOf(id) === i.pid));
    return { key, owner: value, ...(holder ? { instance: holder.instance } : {}) };
  };
}

/**
 * The stock probe on connections of its own, read while the load runs: only for a service that
 * keeps a stock number and takes it before answering (one that settles writes after its answers).
 */
function stockReader(loaded: LoadedTarget, quantity: number, hooks: RunHooks): Pick<Prepared, 'stockLeft'> {
  const { audit, settle } = loaded.target;
  if (!audit.quantity || audit.capacity !== undefined || settle > 0) return {};
  const state = targetState(loaded, quantity, hooks);
  return { stockLeft: () => state.readNumber(audit.quantity!, 'audit.quantity') };
}

export interface ServiceRunOptions {
  /** Run the file's reset steps first (false: one part of a load several drivers make, reset once beforehand). */
  reset: boolean;
}

export function serviceSystem(loaded: LoadedTarget, config: RunConfig, options: ServiceRunOptions = { reset: true }): SystemUnderTest {
  const { target } = loaded;
  const scenario = config.scenario;
  assertFaultsRun(scenario.faults, serviceOffer(target));
  const values = { couponId: target.couponId, quantity: scenario.quantity };
  let state: TargetState | undefined;
  let baseline: Baseline | undefined;

  return {
    describe: () => describeService(loaded),

    async prepare(hooks) {
      const tell = hooks.onEvent ?? (() => {});
      const links = await startLinks(target, hooks);
      const ports = Object.fromEntries(Object.entries(links).map(([name, proxy]) => [name, proxy.port]));
      const tls = tlsClientOptions(target.tls);
      if (target.tls?.insecure) tell({ type: 'tls-insecure', target: target.name });
      const instances = target.service ? await startService(target.service, targetDir(loaded), ports, hooks.resources, tell, tls) : undefined;
      if (!instances) {
        await assertReachable(target.request.url, target.name, tls);
        if (target.login) await assertReachable(target.login.request.url, `${target.name} (login)`, tls);
      } else if (target.request.url.startsWith('https://')) {
        // Ready on its port says nothing of its certificate: a refused one is said now, not as every request's error.
        await assertReachable(target.request.url, target.name, tls, instances[0]!.port);
      }
      state = targetState(loaded, scenario.quantity, hooks);
      const started = Date.now();
      const reset = options.reset ? target.reset : undefined;
      if (reset) await runReset(reset, state, values, targetDir(loaded), tell, hooks.resources);
      const before = await read(state, target, scenario.quantity);
      baseline = { quantity: before.quantity, ...(before.capacity !== undefined ? { capacity: before.capacity } : {}), ...(before.issued ? { issued: before.issued } : {}) };
      const capacity = before.capacity !== undefined ? { capacity: before.capacity } : {};
      if (!reset) tell({ type: 'not-reset', flag: !options.reset, quantity: before.quantity, ...capacity });
      else if (before.quantity !== scenario.quantity) tell({ type: 'stock-after-reset', quantity: before.quantity, ...capacity, asked: scenario.quantity });
      if (before.issued && before.issued.count > 0) tell({ type: 'issued-before', count: before.issued.count });
      const plan = targetPlan(target, values, scenario.timeout * 1000, instances?.map((i) => i.port));
      if (plan.login) await plan.login(1, 0); // a login that yields no token ends here, before any load
      tell({ type: 'load-target', target: target.name, url: target.request.url });
      // The service is not ours to watch; the driver's own CPU still says whether it limited the run.
      const cpu = [{ name: 'driver', pid: process.pid, singleThreaded: true }, ...(instances ?? []).map((i) => ({ name: `service#${i.instance}`, pid: i.pid, singleThreaded: false, group: true }))];
      const lockHolder = instances && target.service?.lockHolder && serviceLockHolder(target.service.lockHolder, targetState(loaded, scenario.quantity, hooks), instances, values);
      const faults = { instances: instances ?? [], links, ...(lockHolder ? { lockHolder } : {}) };
      return { baseline, seedMs: Date.now() - started, serverStartMs: 0, load: { kind: 'drive', plan, faults, cpu }, ...stockReader(loaded, scenario.quantity, hooks) };
    },

    observe: (_run, hooks) => observeService(state!, target, baseline!, hooks),
  };
}
