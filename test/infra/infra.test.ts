import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { packageRoot } from '../../src/paths.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InfraError } from '../../src/errors.js';
import { probeMysql, probeRedis } from '../../src/infra/clients.js';
import { composeDown, composeFile, composeUp } from '../../src/infra/docker.js';
import { infraUp } from '../../src/infra/index.js';
import { startLocalInfra } from '../../src/infra/local.js';
import { isAlive } from '../../src/infra/process.js';
import { mysqlUrlOf } from '../../src/infra/types.js';
import { freePort } from '../../src/infra/ports.js';
import { keepInfraDown, keepInfraUp } from '../../src/infra/index.js';
import { readState } from '../../src/infra/state.js';
import { sweepStaleInfra } from '../../src/infra/ownership.js';
import { Resources } from '../../src/lifecycle.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run `body` with `couponbench up` state kept in a fresh directory, and whatever it kept stopped after. */
async function withStateDir(body: () => Promise<void>): Promise<void> {
  const previous = process.env.COUPONBENCH_STATE_DIR;
  process.env.COUPONBENCH_STATE_DIR = mkdtempSync(join(tmpdir(), 'cb-state-'));
  try {
    await body();
  } finally {
    await keepInfraDown();
    if (previous === undefined) delete process.env.COUPONBENCH_STATE_DIR;
    else process.env.COUPONBENCH_STATE_DIR = previous;
  }
}

describe('local infra', () => {
  it('starts private mariadbd, redis-server and postgres on free ports and stops them, leaving nothing behind', async () => {
    const infra = await startLocalInfra(2, false, undefined, { postgres: true });
    try {
      expect(infra.postgresUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(new URL(infra.postgresUrl!).port).not.toBe('5432');
      const client = new pg.Client(infra.postgresUrl);
      await client.connect();
      expect((await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v).toMatch(/^PostgreSQL \d+/);
      // An open client must not hold up the stop: postgres is asked for its fast shutdown.
      client.on('error', () => {});
      expect(infra.mysqlUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/$/);
      expect(new URL(mysqlUrlOf(infra)).port).not.toBe('3306');
      expect(infra.redisUrls).toHaveLength(2);
      expect(await probeMysql(mysqlUrlOf(infra))).toMatch(/\d+\.\d+/);
      for (const url of infra.redisUrls) expect(await probeRedis(url)).toMatch(/\d+\.\d+/);
      expect(infra.daemons.every((d) => isAlive(d.pid))).toBe(true);
    } finally {
      await infra.down();
    }
    expect(infra.daemons.some((d) => isAlive(d.pid))).toBe(false);
    expect(existsSync(infra.dir)).toBe(false);
  });

  it('starts PostgreSQL without MySQL for a --db postgres run, and leaves nothing behind when the process that started it is killed with SIGKILL', async () => {
    const local = pathToFileURL(join(packageRoot(), 'dist', 'src', 'infra', 'local.js')).href;
    const script = `const { startLocalInfra } = await import(${JSON.stringify(local)});
      const infra = await startLocalInfra(1, false, undefined, { postgres: true, mysql: false });
      console.log(JSON.stringify({ dir: infra.dir, pids: infra.daemons.map((d) => d.pid), names: infra.daemons.map((d) => d.name), mysql: infra.mysqlUrl ?? null }));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ dir: string; pids: number[]; names: string[]; mysql: string | null }>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()))));
    // A --db postgres run's infra: Redis and PostgreSQL, no MySQL it would not use.
    expect(started.names.sort()).toEqual(['postgres', 'redis']);
    expect(started.mysql).toBeNull();
    expect(started.pids.every(isAlive)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (started.pids.some(isAlive) || existsSync(started.dir))) await sleep(100);
    expect(started.pids.filter(isAlive)).toEqual([]);
    expect(existsSync(started.dir)).toBe(false);
  });
});

describe('kept infra', () => {
  it('killed with SIGKILL after saving its state but before handing its daemons over, leaves no state naming stopped daemons (issue 24)', async () => {
    const local = pathToFileURL(join(packageRoot(), 'dist', 'src', 'infra', 'local.js')).href;
    const stateDir = mkdtempSync(join(tmpdir(), 'cb-state-'));
    const state = join(stateDir, 'infra.json');
    // As `up` does: started to be kept, the state file announced to the reaper and written, then killed before keep().
    const script = `const { startLocalInfra } = await import(${JSON.stringify(local)});
      const { writeFileSync } = await import('node:fs');
      const infra = await startLocalInfra(1, true, undefined, { mysql: false });
      infra.removeWith(${JSON.stringify(state)});
      writeFileSync(${JSON.stringify(state)}, JSON.stringify({ dir: infra.dir }));
      console.log(JSON.stringify({ dir: infra.dir, pids: infra.daemons.map((d) => d.pid) }));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ dir: string; pids: number[] }>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()))));
    expect(existsSync(state)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (started.pids.some(isAlive) || existsSync(started.dir) || existsSync(state))) await sleep(100);
    expect(started.pids.filter(isAlive)).toEqual([]);
    expect(existsSync(started.dir)).toBe(false);
    expect(existsSync(state)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe('external infra', () => {
  it('says in one line that an unreachable database cannot be reached', async () => {
    const port = await freePort();
    const attempt = infraUp({ choice: 'external', mysqlUrl: `mysql://root:secret@127.0.0.1:${port}/`, redisUrl: 'redis://127.0.0.1:1', redisNodes: 1 });
    await expect(attempt).rejects.toThrow(InfraError);
    await expect(attempt).rejects.toThrow(new RegExp(`cannot reach MySQL at mysql://root:\\*\\*\\*@127\\.0\\.0\\.1:${port}/: .*ECONNREFUSED`));
  });

  it('needs both URLs', async () => {
    await expect(infraUp({ choice: 'external', mysqlUrl: 'mysql://root@127.0.0.1:1/', redisNodes: 1 })).rejects.toThrow(/needs both --mysql-url and --redis-url/);
  });
});

describe('docker infra', () => {
  it('builds the compose command lines with the ports it chose', () => {
    const up = composeUp('couponbench-42', 33061, 63791, '/x/docker-compose.yml');
    expect([up.command, ...up.args].join(' ')).toBe('docker compose -f /x/docker-compose.yml -p couponbench-42 up -d --wait');
    expect(up.env).toEqual({ COUPONBENCH_MYSQL_PORT: '33061', COUPONBENCH_REDIS_PORT: '63791' });
    const down = composeDown('couponbench-42', '/x/docker-compose.yml');
    expect(down.args.join(' ')).toBe('compose -f /x/docker-compose.yml -p couponbench-42 down -v --remove-orphans');
  });

  it('ships a compose file with MySQL 8 and Redis 7, loopback ports from our env, and healthchecks', () => {
    const compose = parse(readFileSync(composeFile(), 'utf8')) as {
      services: Record<string, { image: string; ports: string[]; healthcheck: { test: string[] } }>;
    };
    expect(compose.services.mysql!.image).toMatch(/^mysql:8/);
    expect(compose.services.redis!.image).toMatch(/^redis:7/);
    expect(compose.services.mysql!.ports[0]).toMatch(/^127\.0\.0\.1:\$\{COUPONBENCH_MYSQL_PORT/);
    expect(compose.services.redis!.ports[0]).toMatch(/^127\.0\.0\.1:\$\{COUPONBENCH_REDIS_PORT/);
    expect(compose.services.mysql!.healthcheck.test).toContain('mysqladmin');
    expect(compose.services.redis!.healthcheck.test).toContain('redis-cli');
  });
});

describe('couponbench up / down', () => {
  it('keeps local infra between runs, lets auto reuse it, and stops it on down', async () => {
    await withStateDir(async () => {
      const state = await keepInfraUp(1, new Resources());
      expect(readState()).toEqual(state);
      expect(state.pids.every(isAlive)).toBe(true);
      expect(await keepInfraUp(1, new Resources())).toEqual(state); // idempotent: no second set of servers
      const reused = await infraUp({ choice: 'auto', redisNodes: 1 });
      expect(reused.shared).toBe(true);
      expect(reused.mysqlUrl).toBe(state.mysqlUrl);
      await reused.down(); // a run's down() must not stop kept infra
      expect(state.pids.every(isAlive)).toBe(true);
      expect(await keepInfraDown()).toEqual(state);
      // Here the daemons are our children: give Node a moment to reap them after they exit.
      for (let i = 0; i < 100 && state.pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 20));
      expect(state.pids.some(isAlive)).toBe(false);
      expect(existsSync(state.dir)).toBe(false);
      expect(readState()).toBeUndefined();
    });
  });
});

describe('kept infra whose processes died', () => {
  it('is cleaned up by the next start: the surviving daemon stopped, its directory removed, the state cleared', async () => {
    await withStateDir(async () => {
      const state = await keepInfraUp(1, new Resources());
      const [mysqlPid, redisPid] = state.pids;
      process.kill(mysqlPid!, 'SIGKILL');
      for (let i = 0; i < 100 && isAlive(mysqlPid!); i++) await new Promise((r) => setTimeout(r, 20));
      expect(isAlive(redisPid!)).toBe(true);
      expect(await sweepStaleInfra()).toEqual([state.dir]);
      for (let i = 0; i < 100 && isAlive(redisPid!); i++) await new Promise((r) => setTimeout(r, 20));
      expect(isAlive(redisPid!)).toBe(false);
      expect(existsSync(state.dir)).toBe(false);
      expect(readState()).toBeUndefined();
    });
  });
});
