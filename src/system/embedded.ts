/**
 * The embedded system: couponbench's own issuance server running one strategy on N instances,
 * on infra (private daemons, Docker or URLs) brought up beforehand. It owns its database for the
 * run, seeds a fresh coupon, starts the server, and hands the nemesis its processes.
 */
import { strategiesFor, strategyOf, type StrategyRef } from '../../strategies/index.js';
import type { RedisClient, Strategy } from '../../strategies/types.js';
import { peakVUs, type RunConfig } from '../config.js';
import type { CpuWatch } from '../cpu.js';
import { databaseUrl, DATABASES, resetRedis } from '../db/index.js';
import type { DatabaseKind } from '../db/kinds.js';
import { UsageError } from '../errors.js';
import { FAULTS } from '../faults/index.js';
import { openLink, type LinkProxy } from '../faults/links/proxy.js';
import { STRATEGY_KNOBS } from '../../strategies/types.js';
import { assertFaultsRun, faultRefusal, strategySurvives, type FaultOffer } from '../faults/capabilities.js';
import { type FaultSpec, type LinkName } from '../faults/spec.js';
import type { InstanceProcess, LockHolder } from '../faults/targets.js';
import { connectRedis, redisServerVersion } from '../infra/clients.js';
import type { Infra, InfraRequest } from '../infra/index.js';
import { assertTempDirUsable } from '../infra/local.js';
import { assertPortFree } from '../infra/ports.js';
import { embeddedDescriptors, filesOf } from '../load/limits.js';
import { embeddedPlan } from '../load/requestPlan.js';
import type { RunHooks } from '../run.js';
import { issuePath } from '../server/httpContract.js';
import { startServer } from '../server/index.js';
import type { SystemUnderTest } from './types.js';

/** How long the audit waits for a write-behind queue to drain. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Everything that can be checked before anything is started: each strategy can run in this
 * setup, the server can bind --host (and a fixed --port is free). A bad setup ends in one line, with nothing to stop.
 */
export async function preflight(request: InfraRequest, config: Omit<RunConfig, 'strategy'>, strategies: StrategyRef[]): Promise<void> {
  for (const ref of strategies) {
    const strategy = await strategyOf(ref);
    const db = config.db ?? 'mysql';
    const databases = strategy.databases ?? ['mysql'];
    if (!databases.includes(db)) throw new UsageError(`${strategy.name} issues on ${databases.join(' or ')}, not ${db} (strategies for --db ${db}: ${strategiesFor(db).join(', ')})`);
    const problem = strategy.validate?.({ redisNodes: request.redisNodes, instances: config.instances, db, fencing: config.options.fencing });
    if (problem) throw new UsageError(strategies.length > 1 ? `${ref.strategy}: ${problem}` : problem);
    if (config.options.fencing && !strategy.fencing) {
      throw new UsageError(`${strategy.name} takes no --fencing (it fits redis-pubsub and redis-fair; redis-spin-fenced has it built in)`);
    }
    if (config.options.fencing && !DATABASES[db].fencedWrites) throw new UsageError(`--fencing is MySQL-only so far (the fenced write is a MySQL statement, not ${DATABASES[db].name})`);
  }
  await assertPortFree(config.port, config.host);
  if (request.choice === 'local' || (request.choice === 'auto' && !request.mysqlUrl && !request.redisUrl)) assertTempDirUsable();
  const given = request.choice === 'external' || request.choice === 'docker' || Boolean(request.mysqlUrl || request.redisUrl);
  assertFaultsRun(config.scenario.faults, embeddedOffer(config, given ? false : undefined));
}

/** The links the embedded server's dependencies are reached through, when link faults ask for them: its database's and Redis's. */
export const embeddedLinks = (db: DatabaseKind): LinkName[] => [db, 'redis'];

/**
 * What the embedded server offers faults: its instances, its lock, its database's and Redis's
 * links, its hook; the database processes when `ownInfra` (undefined: not known yet).
 */
export function embeddedOffer(config: Pick<RunConfig, 'instances' | 'db'>, ownInfra: boolean | undefined, redisCluster = false): FaultOffer {
  const database = config.db ?? 'mysql';
  return { system: { kind: 'embedded', database }, instances: config.instances, lockHolder: true, links: embeddedLinks(database), ownInfra, serverHook: true, redisCluster };
}

/** Refuse, before anything starts, a fault the embedded server cannot take (a link it lacks, pause-mysql on PostgreSQL, an instance it does not have). */
export function assertEmbeddedFaults(faults: FaultSpec[], config: Pick<RunConfig, 'instances' | 'db'>): void {
  assertFaultsRun(faults, embeddedOffer(config, undefined));
}

/** The first fault this infra leaves out of reach (auto may have chosen infra that is not the run's to stop), and why. */
export function faultOutOfReach(infra: Infra, faults: FaultSpec[], config: Pick<RunConfig, 'instances' | 'db'>): { spec: FaultSpec; reason: string } | undefined {
  const offer = embeddedOffer(config, Boolean(infra.processes), infra.redisCluster);
  for (const spec of faults) {
    const reason = faultRefusal(spec, offer);
    if (reason) return { spec, reason };
  }
  return undefined;
}

export async function embeddedSystem(infra: Infra, config: RunConfig): Promise<SystemUnderTest> {
  const strategy = await strategyOf(config);
  const scenario = config.scenario;
  const db = config.db ?? 'mysql';
  assertFaultsRun(scenario.faults, embeddedOffer(config, Boolean(infra.processes), infra.redisCluster));
  const database = DATABASES[db];
  const serverUrl = database.serverUrlOn(infra);
  const dbUrl = databaseUrl(serverUrl, config.database);
  let couponId = 0;
  const versions = { database: 'unknown', redisVersion: 'unknown' };
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let forgetServer: (() => Promise<void>) | undefined;
  let releaseClaim: (() => Promise<void>) | undefined;

  return {
    describe: () => ({
      strategy: strategy.name,
      promise: strategy.promise,
      infra: infra.kind,
      survives: strategySurvives(strategy, config.options.fencing),
      knobs: [...(strategy.knobs ?? STRATEGY_KNOBS)],
      ceiling: strategy.ceiling ?? 'conditional-update',
    }),

    async prepare(hooks) {
      let started = Date.now();
      // Owned from before the reset to after the audit: a second run on this database is refused.
      const claim = await database.claim(serverUrl, config.database);
      releaseClaim = hooks.resources.defer(`claim on database ${config.database}`, () => claim.release());
      const prepared = await database.prepare(serverUrl, { database: config.database, quantity: scenario.quantity, userPool: scenario.userPool, codePool: Boolean(strategy.codePool) });
      await claim.announce(`${strategy.name} on ${scenario.name}`);
      couponId = prepared.couponId;
      versions.database = prepared.version;
      const redisClients = infra.redisUrls.map((url) => connectRedis(url, 'couponbench', infra.redisCluster));
      try {
        await resetRedis(redisClients, couponId);
        await strategy.prepare?.(redisClients[0]!, prepared);
        versions.redisVersion = await redisServerVersion(redisClients[0]!);
      } finally {
        redisClients.forEach((c) => c.disconnect());
      }
      const seedMs = Date.now() - started;
      hooks.onEvent?.({ type: 'seeded', couponId, quantity: scenario.quantity, userPool: scenario.userPool, ms: seedMs });

      started = Date.now();
      // Link faults: the server reaches MySQL and Redis through our proxies; the audit goes around them.
      const links = scenario.faults.some((f) => FAULTS[f.kind].actsOn === 'link') ? await startLinks(db, serverUrl, infra, hooks) : undefined;
      server = await startServer({
        instances: config.instances,
        host: config.host,
        port: config.port,
        db,
        databaseUrl: links ? throughLink(dbUrl, links[db]!) : dbUrl,
        redisUrls: links ? [throughLink(infra.redisUrls[0]!, links.redis!), ...infra.redisUrls.slice(1)] : infra.redisUrls,
        redisCluster: infra.redisCluster ?? false,
        strategy: strategy.name,
        strategyModule: config.strategyModule,
        options: config.options,
        onePerUser: scenario.onePerUser,
        poolSize: config.poolSize,
      });
      const running = server;
      forgetServer = hooks.resources.defer('issuance server', () => running.kill());
      const serverStartMs = Date.now() - started;
      hooks.onEvent?.({ type: 'server-up', instances: config.instances, strategy: strategy.name, url: running.url });
      // A write-behind strategy's stock reaches the database after its answers: no reading would bound them.
      const stock = strategy.settle ? undefined : database.stockReader(dbUrl, couponId, Boolean(strategy.codePool));
      if (stock) hooks.resources.defer('stock reader', () => stock.close());
      return {
        baseline: { quantity: scenario.quantity },
        seedMs,
        serverStartMs,
        ...(stock ? { stockLeft: () => stock.read() } : {}),
        load: {
          kind: 'drive',
          plan: embeddedPlan(running.url, issuePath(couponId)),
          faults: {
            instances: running.processes,
            infra: infra.processes,
            lockHolder: strategy.lockHolder && lockHolderReader(infra, strategy.lockHolder, couponId, running.processes, hooks),
            stallNextHolder: running.stallNextHolder,
            ...(links ? { links } : {}),
          },
          cpu: cpuComponents(running.processes, infra, db),
          filesHeldBeside: filesOf(embeddedDescriptors({ vus: peakVUs(scenario), instances: config.instances, poolSize: config.poolSize, linked: Boolean(links) })),
        },
      };
    },

    async observe(_run, hooks) {
      // A write-behind strategy's winners reach MySQL after their 200: wait for them before counting.
      const persistence = strategy.settle ? await readLedger(infra, (redis) => strategy.settle!(redis, couponId, SETTLE_TIMEOUT_MS)) : undefined;
      if (persistence) hooks.onEvent?.({ type: 'write-behind', persistence });
      // Stop the server before the audit so that nothing is still writing while we count.
      const counts = await server!.stop();
      await forgetServer?.(); // already stopped: this only forgets the deferred kill
      const snapshot = await database.snapshot(dbUrl, couponId, Boolean(strategy.codePool));
      const redisLedger = strategy.ledger ? await readLedger(infra, (redis) => strategy.ledger!(redis, couponId)) : undefined;
      await releaseClaim?.();
      return {
        snapshot: { finalQuantity: snapshot.finalQuantity, rows: snapshot.rows, duplicateUsers: snapshot.duplicateUsers, duplicateRows: snapshot.duplicateRows, codesHeldTwice: snapshot.codesHeldTwice },
        holdings: snapshot.holdings,
        issueOrder: snapshot.issueOrder,
        ...(redisLedger ? { redisLedger } : {}),
        ...(persistence ? { persistence } : {}),
        versions,
        server: counts,
      };
    },
  };
}

/** A proxy in front of the run's database and of the first Redis node, stopped with the run's resources. */
async function startLinks(db: DatabaseKind, serverUrl: string, infra: Infra, hooks: RunHooks): Promise<Partial<Record<LinkName, LinkProxy>>> {
  return {
    [db]: await openLink(db, new URL(serverUrl).host, hooks.resources, hooks.onEvent),
    redis: await openLink('redis', new URL(infra.redisUrls[0]!).host, hooks.resources, hooks.onEvent),
  };
}

/** `url` with its host and port replaced by the proxy's. */
function throughLink(url: string, proxy: LinkProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

/** What to watch the CPU of: this process (the driver), each server instance, and the databases this run started. */
function cpuComponents(instances: InstanceProcess[], infra: Infra, db: DatabaseKind): CpuWatch[] {
  const watched: CpuWatch[] = [{ name: 'driver', pid: process.pid, singleThreaded: true }];
  for (const i of instances) watched.push({ name: `server#${i.instance}`, pid: i.pid, singleThreaded: true });
  if (infra.processes) {
    const server = DATABASES[db].processOn(infra.processes);
    if (server) watched.push(server);
    infra.processes.redisPids().forEach((pid, i) => watched.push({ name: i === 0 ? 'redis-server' : `redis-server#${i + 1}`, pid, singleThreaded: true }));
  }
  return watched;
}

/** The instance an owner id names: our strategies store `<instance>:<pid>:<sequence>`; the pid must still be that instance's. */
function ownerInstance(owner: string, instances: InstanceProcess[]): number | undefined {
  const [instance, pid] = owner.split(':').map(Number);
  return instances.find((i) => i.instance === instance && i.pid === pid)?.instance;
}

/** A reader of the coupon lock's holder on its own Redis connection (closed with the run's resources). */
function lockHolderReader(infra: Infra, read: NonNullable<Strategy['lockHolder']>, couponId: number, instances: InstanceProcess[], hooks: RunHooks): () => Promise<LockHolder | null> {
  let redis: RedisClient | undefined;
  return async () => {
    if (!redis) {
      const client = connectRedis(infra.redisUrl, 'couponbench-nemesis', infra.redisCluster);
      client.on('error', () => {});
      hooks.resources.defer('nemesis redis connection', () => client.disconnect());
      redis = client;
    }
    const holder = await read(redis, couponId);
    return holder && { ...holder, instance: ownerInstance(holder.owner, instances) };
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
