import type { TestProject } from 'vitest/node';
import { startLocalInfra, type LocalInfra } from '../src/infra/local.js';
import { mysqlUrlOf } from '../src/infra/types.js';
import mysql from 'mysql2/promise';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
    redisUrls: string[];
    postgresUrl: string;
  }
}

/**
 * One private MariaDB, three Redis nodes (redlock wants an odd count) and a PostgreSQL for the whole suite,
 * brought up by the project's own infra code. Each vitest project calls this setup (in one
 * process, each with a fresh copy of this module): the infra is kept on globalThis and counted,
 * so the projects share it and the last teardown stops it.
 */
interface Shared {
  infra: Promise<LocalInfra>;
  users: number;
}
const key = Symbol.for('couponbench.test.infra');
const registry = globalThis as unknown as Record<symbol, Shared | undefined>;

/** The login target files give their probes (audit.url): it reads every table and can do nothing else. */
export const PROBE_LOGIN = 'cb_probe';

async function createProbeLogins(infra: LocalInfra): Promise<void> {
  const conn = await mysql.createConnection({ uri: mysqlUrlOf(infra) });
  for (const host of ['%', 'localhost', '127.0.0.1']) {
    await conn.query(`CREATE USER IF NOT EXISTS ${PROBE_LOGIN}@'${host}'`);
    await conn.query(`GRANT SELECT ON *.* TO ${PROBE_LOGIN}@'${host}'`);
  }
  await conn.end();
  const client = new pg.Client(infra.postgresUrl!);
  await client.connect();
  await client.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PROBE_LOGIN}') THEN CREATE ROLE ${PROBE_LOGIN} LOGIN; END IF; END $$`);
  await client.query(`GRANT pg_read_all_data TO ${PROBE_LOGIN}`);
  await client.end();
}

async function startShared(): Promise<LocalInfra> {
  const infra = await startLocalInfra(3, false, undefined, { postgres: true });
  await createProbeLogins(infra);
  return infra;
}

export async function setup(project: TestProject): Promise<void> {
  const shared = (registry[key] ??= { infra: startShared(), users: 0 });
  shared.users++;
  const infra = await shared.infra;
  project.provide('mysqlUrl', mysqlUrlOf(infra));
  project.provide('redisUrls', infra.redisUrls);
  project.provide('postgresUrl', infra.postgresUrl!);
}

export async function teardown(): Promise<void> {
  const shared = registry[key];
  if (!shared || --shared.users > 0) return;
  registry[key] = undefined;
  await (await shared.infra).down();
}
