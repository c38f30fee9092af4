import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from './paths.js';

export function couponbenchVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export const EnvironmentSchema = z.object({
  couponbench: z.string(),
  node: z.string(),
  platform: z.string(),
  cpus: z.number().int(),
  cpuModel: z.string(),
  memoryGiB: z.number(),
  /** The database issued on, named with its version: `MySQL 10.11.6-MariaDB`, `PostgreSQL 15.8`, `no SQL` (a service without one). */
  database: z.string(),
  redisVersion: z.string(),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export function machine(): Omit<Environment, 'database' | 'redisVersion'> {
  const cpus = os.cpus();
  return {
    couponbench: couponbenchVersion(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
