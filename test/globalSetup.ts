import type { TestProject } from 'vitest/node';
import { startLocalInfra, type LocalInfra } from '../src/infra/local.js';
import { mysqlUrlOf } from '../src/infra/types.js';

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

export async function setup(project: TestProject): Promise<void> {
  const shared = (registry[key] ??= { infra: startLocalInfra(3, false, undefined, { postgres: true }), users: 0 });
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
