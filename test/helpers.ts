import { basename, join } from 'node:path';
import pg from 'pg';
import { expect, inject } from 'vitest';
import type { Infra } from '../src/infra/types.js';
import { Resources } from '../src/lifecycle.js';
import { runOnInfra, type RunConfig } from '../src/run.js';
import type { Scenario } from '../src/config.js';
import { DEFAULT_STRATEGY_OPTIONS } from '../strategies/index.js';
import type { Report } from '../src/report/schema.js';
import { packageRoot } from '../src/paths.js';
import { PROBE_LOGIN } from './globalSetup.js';

/** The command as users run it. */
export const BIN = join(packageRoot(), 'bin', 'couponbench.js');

/** The suite's shared infra, as a run sees it (never stopped by a run). */
export function sharedInfra(): Infra & { mysqlUrl: string; postgresUrl: string } {
  const redisUrls = inject('redisUrls');
  return { kind: 'local', shared: true, mysqlUrl: inject('mysqlUrl'), redisUrl: redisUrls[0]!, redisUrls, postgresUrl: inject('postgresUrl'), down: async () => {} };
}

/** The same database URL with the suite's read-only probe login (test/globalSetup.ts): what a target file's audit.url gives. */
export function probeLogin(url: string): string {
  const u = new URL(url);
  u.username = PROBE_LOGIN;
  u.password = '';
  return u.toString();
}

/** A database of the calling test file's own (cbt_<file>): files run side by side, and a run owns its database. */
export function fileDatabase(): string {
  const file = basename(expect.getState().testPath ?? 'shared.test.ts').replace(/\.test\.ts$/, '');
  return `cbt_${file.replace(/\W/g, '_')}`;
}

export function scenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    name: 'test',
    description: '',
    quantity: 2000,
    startVUs: 40,
    stages: [{ duration: 3, target: 40 }],
    thinkTime: 0.005,
    userPool: 5000,
    onePerUser: true,
    timeout: 30,
    gracefulStop: 10,
    faults: [],
    overrides: [],
    executor: 'ramping-vus',
    ...overrides,
  };
}

export async function runStrategy(strategy: string, s: Scenario, extra: Partial<RunConfig> & { redisNodes?: number } = {}): Promise<Report> {
  const resources = new Resources();
  const infra = sharedInfra();
  const nodes = extra.redisNodes ?? 1;
  const redisUrls = infra.redisUrls.slice(0, nodes);
  try {
    return await runOnInfra({ ...infra, redisUrls }, {
      strategy,
      scenario: s,
      instances: 2,
      poolSize: 10,
      host: '127.0.0.1',
      port: 0,
      database: fileDatabase(),
      seed: 7,
      options: DEFAULT_STRATEGY_OPTIONS,
      ...extra,
    }, { resources });
  } finally {
    await resources.releaseAll();
  }
}

/** Rows of one statement on a PostgreSQL of the suite, on a connection of its own. */
export async function pgRows<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
