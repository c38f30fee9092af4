import type { TestProject } from 'vitest/node';
import { startLocalInfra, type LocalInfra } from '../src/infra/local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
    redisUrls: string[];
  }
}

let infra: LocalInfra | undefined;

/** One private MariaDB + three Redis nodes (redlock wants an odd count) for the whole suite, brought up by the project's own infra code. */
export async function setup(project: TestProject): Promise<void> {
  infra = await startLocalInfra(3);
  project.provide('mysqlUrl', infra.mysqlUrl);
  project.provide('redisUrls', infra.redisUrls);
}

export async function teardown(): Promise<void> {
  await infra?.down();
}
