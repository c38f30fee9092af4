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
  mysqlVersion: z.string(),
  redisVersion: z.string(),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export function machine(): Omit<Environment, 'mysqlVersion' | 'redisVersion'> {
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
