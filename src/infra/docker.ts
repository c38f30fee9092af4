import { execa } from 'execa';
import { join } from 'node:path';
import { InfraError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { freePort } from './ports.js';
import type { Infra } from './types.js';

export interface ComposeInvocation {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function composeFile(): string {
  return join(packageRoot(), 'docker-compose.yml');
}

/** The exact `docker compose` command lines we run, kept pure so they can be tested without Docker. */
export function composeUp(project: string, mysqlPort: number, redisPort: number, file = composeFile()): ComposeInvocation {
  return {
    command: 'docker',
    args: ['compose', '-f', file, '-p', project, 'up', '-d', '--wait'],
    env: { COUPONBENCH_MYSQL_PORT: String(mysqlPort), COUPONBENCH_REDIS_PORT: String(redisPort) },
  };
}

export function composeDown(project: string, file = composeFile()): ComposeInvocation {
  return { command: 'docker', args: ['compose', '-f', file, '-p', project, 'down', '-v', '--remove-orphans'], env: {} };
}

export async function dockerEngineAnswers(): Promise<boolean> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 5000 });
  return result.exitCode === 0 && result.stdout.trim().length > 0;
}

export async function startDockerInfra(redisNodes: number): Promise<Infra> {
  if (redisNodes > 1) throw new InfraError('docker infra runs one Redis; use --infra local or external URLs for --redis-nodes > 1');
  if (!(await dockerEngineAnswers())) throw new InfraError('no Docker engine answers (docker info failed)');
  const project = `couponbench-${process.pid}`;
  const mysqlPort = await freePort();
  const redisPort = await freePort();
  const down = async () => {
    const d = composeDown(project);
    await execa(d.command, d.args, { reject: false, env: d.env });
  };
  const up = composeUp(project, mysqlPort, redisPort);
  const result = await execa(up.command, up.args, { reject: false, env: up.env });
  if (result.exitCode !== 0) {
    await down();
    throw new InfraError(`docker compose up failed: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  return { kind: 'docker', shared: false, mysqlUrl: `mysql://root@127.0.0.1:${mysqlPort}/`, redisUrl, redisUrls: [redisUrl], down };
}
