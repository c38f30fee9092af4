/**
 * Entry point of one issuance server instance (a node:cluster worker). It owns its MySQL pool and
 * Redis clients, hosts one strategy, and answers the HTTP contract until the primary says stop.
 */
import http from 'node:http';
import { stallNextHolder } from '../../strategies/faultHook.js';
import { strategyOf } from '../../strategies/index.js';
import { SECTIONS } from '../../strategies/sections.js';
import { DATABASES } from '../db/index.js';
import { connectRedis } from '../infra/clients.js';
import { createIssueApp } from './app.js';
import { WORKER_CONFIG_ENV, WORKER_INSTANCE_ENV, WorkerConfigSchema, type PrimaryMessage, type WorkerMessage } from './messages.js';

const DRAIN_MS = 10_000;

/** To the primary, if it is still there: after a kill -9 of couponbench the channel is closed (EPIPE), and the worker is about to exit on 'disconnect'. */
function tell(message: WorkerMessage): void {
  if (process.connected) process.send?.(message, undefined, {}, () => {});
}

async function main(): Promise<void> {
  const config = WorkerConfigSchema.parse(JSON.parse(process.env[WORKER_CONFIG_ENV] ?? ''));
  const instance = Number(process.env[WORKER_INSTANCE_ENV] ?? '1');
  const strategy = await strategyOf(config);
  // One pool per instance, of the run's database.
  const pools = DATABASES[config.db].openPools(config.databaseUrl, config.poolSize);
  const redisNodes = config.redisUrls.map((url, i) => connectRedis(url, `couponbench-${instance}-${i}`, config.redisCluster));
  for (const r of redisNodes) r.on('error', () => {});
  const issuer = strategy.create({
    db: config.db,
    mysql: pools.mysql,
    ...(pools.pg ? { pg: pools.pg } : {}),
    sections: SECTIONS[config.db](pools),
    databaseUrl: config.databaseUrl,
    poolSize: config.poolSize,
    redis: redisNodes[0]!,
    redisNodes,
    onePerUser: config.onePerUser,
    options: config.options,
    instance,
  });
  const app = createIssueApp(issuer);
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 0 }, app.handle);
  server.keepAliveTimeout = 120_000;

  server.once('error', (err: NodeJS.ErrnoException) => {
    tell({ type: 'start-error', message: err.message, code: err.code });
    process.exit(1);
  });
  server.listen(config.port, config.host, () => tell({ type: 'ready' }));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const forced = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    await closed;
    clearTimeout(forced);
    tell({ type: 'stats', counts: app.counts });
    await issuer.close?.().catch(() => {});
    await pools.end().catch(() => {});
    await Promise.all(redisNodes.map((r) => r.quit().catch(() => r.disconnect())));
    process.disconnect?.();
    process.exit(0);
  };
  process.on('message', (msg: PrimaryMessage) => {
    if (msg?.type === 'shutdown') void stop();
    if (msg?.type === 'stall-next-holder') stallNextHolder(msg.ms);
  });
  // The primary died or went away: do not linger as an orphan.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group; the primary decides when we stop.
  process.on('SIGINT', () => {});
}

main().catch((err: unknown) => {
  tell({ type: 'start-error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
