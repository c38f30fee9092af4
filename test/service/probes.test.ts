/**
 * What a probe can and cannot do (issue 24, items 1 and 2; docs/refusals.md): one statement, in a
 * read-only transaction, under its time limit on the server and on ours, on a login that cannot
 * reach outside the database; a probe cut short (Ctrl-C) leaves nothing running on the server.
 * On the suite's private MariaDB and PostgreSQL, with the read-only login test/globalSetup.ts makes.
 */
import mysql from 'mysql2/promise';
import { existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TargetState } from '../../src/service/probes.js';
import { TargetFileSchema, describeIssues } from '../../src/service/schema.js';
import { pgRows, probeLogin } from '../helpers.js';

const DB = 'cbt_probes';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

type Audit = { timeout?: number; url?: string; allowPrivilegedProbes?: boolean };
function state(kind: 'mysql' | 'postgres', url: string, audit: Audit = {}): TargetState {
  return new TargetState({ [kind]: url, audit: { timeout: audit.timeout ?? 10, url: audit.url, allowPrivilegedProbes: audit.allowPrivilegedProbes ?? false } }, { couponId: 1, quantity: 10 });
}

async function waitUntil(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('PostgreSQL probes', () => {
  let owner: string;
  let reader: string;
  beforeAll(async () => {
    await pgRows(inject('postgresUrl'), `DROP DATABASE IF EXISTS ${DB}`);
    await pgRows(inject('postgresUrl'), `CREATE DATABASE ${DB}`);
    owner = withDatabase(inject('postgresUrl'), DB);
    reader = probeLogin(owner);
    for (const statement of [
      'CREATE TABLE victim (id int)',
      'INSERT INTO victim SELECT generate_series(1, 5)',
      "CREATE FUNCTION run_program() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COPY (SELECT 1) TO PROGRAM 'touch /tmp/cbt-probe-program'; RETURN 1; END $$",
      "CREATE FUNCTION write_file() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COPY (SELECT 1) TO '/tmp/cbt-probe-copy'; RETURN 1; END $$",
      'CREATE FUNCTION as_owner() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$',
    ]) await pgRows(owner, statement);
  });

  it('runs exactly one statement: a COMMIT and a DELETE after a SELECT are refused whole, and the rows stay', async () => {
    const s = state('postgres', owner, { allowPrivilegedProbes: true });
    try {
      await expect(s.probeSql('SELECT 1; COMMIT; DELETE FROM victim; SELECT count(*) FROM victim', 'audit.quantity')).rejects.toThrow(/^audit\.quantity: .*a probe is one statement/);
      await expect(s.probeSql('SELECT 1; SET LOCAL statement_timeout = 0; SELECT pg_sleep(20)', 'audit.quantity')).rejects.toThrow(/a probe is one statement/);
      expect(await pgRows(owner, 'SELECT count(*)::int AS n FROM victim')).toEqual([{ n: 5 }]);
      expect(await s.probeSql('SELECT count(*)::int AS n FROM victim', 'audit.quantity')).toEqual([{ n: 5 }]);
    } finally {
      await s.close();
    }
  });

  it('refuses a superuser login for probes unless the file accepts it', async () => {
    const s = state('postgres', owner);
    try {
      await expect(s.probeSql('SELECT 1', 'audit.quantity')).rejects.toThrow(/^audit: the probes log in as "postgres", which has SUPERUSER: .* audit\.url .* audit\.allowPrivilegedProbes: true/);
    } finally {
      await s.close();
    }
  });

  it('on a read-only login, a function cannot run a program, write a file or end another session', async () => {
    rmSync('/tmp/cbt-probe-program', { force: true });
    rmSync('/tmp/cbt-probe-copy', { force: true });
    const other = new pg.Client(owner);
    await other.connect();
    const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const s = state('postgres', owner, { url: reader });
    try {
      await expect(s.probeSql('SELECT run_program()', 'audit.quantity')).rejects.toThrow(/PostgreSQL says: permission denied|must be superuser|privileges of the pg_execute_server_program/);
      await expect(s.probeSql('SELECT write_file()', 'audit.quantity')).rejects.toThrow(/PostgreSQL says: (permission denied|must be superuser|only superuser)/);
      await expect(s.probeSql("SELECT lo_export(0, '/tmp/cbt-probe-lo')", 'audit.quantity')).rejects.toThrow(/PostgreSQL says: (permission denied|must be superuser)/);
      await expect(s.probeSql(`SELECT pg_terminate_backend(${otherPid})`, 'audit.quantity')).rejects.toThrow(/PostgreSQL says: (permission denied|must be a (superuser|member))/);
      await expect(s.probeSql('SELECT as_owner()', 'audit.extra.x')).rejects.toThrow('audit.extra.x: calls as_owner(), which runs with the rights of "postgres" (SECURITY DEFINER), not the probe login\'s: a probe may not call it');
      expect(existsSync('/tmp/cbt-probe-program')).toBe(false);
      expect(existsSync('/tmp/cbt-probe-copy')).toBe(false);
      expect((await other.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
    } finally {
      await s.close();
      await other.end();
    }
  });

  it('stops a probe past its time limit, and cancels one cut short on the server', async () => {
    const s = state('postgres', owner, { url: reader, timeout: 1 });
    try {
      await expect(s.probeSql('SELECT pg_sleep(5)', 'audit.quantity')).rejects.toThrow('audit.quantity: SELECT pg_sleep(5): still running after 1 s, stopped (audit.timeout)');
    } finally {
      await s.close();
    }
    const long = state('postgres', owner, { url: reader, timeout: 60 });
    const sleeping = long.probeSql('SELECT pg_sleep(30)', 'audit.quantity').catch(() => 'cut');
    const running = () => pgRows<{ n: number }>(owner, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'");
    expect(await waitUntil(async () => (await running())[0]!.n === 1, 5000)).toBe(true);
    await long.close();
    expect(await sleeping).toBe('cut');
    expect(await waitUntil(async () => (await running())[0]!.n === 0, 3000)).toBe(true);
  });
});

describe('MariaDB probes', () => {
  let owner: string;
  let reader: string;
  beforeAll(async () => {
    const conn = await mysql.createConnection({ uri: inject('mysqlUrl') });
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query(`CREATE DATABASE ${DB}`);
    await conn.query(`USE ${DB}`);
    await conn.query('CREATE TABLE victim (id int)');
    await conn.query('INSERT INTO victim VALUES (1), (2), (3)');
    await conn.query("CREATE FUNCTION to_file() RETURNS int SQL SECURITY INVOKER BEGIN SELECT 1 INTO OUTFILE '/tmp/cbt-probe-outfile'; RETURN 1; END");
    await conn.query("CREATE FUNCTION to_file_as_owner() RETURNS int SQL SECURITY DEFINER BEGIN SELECT 1 INTO OUTFILE '/tmp/cbt-probe-outfile2'; RETURN 1; END");
    await conn.end();
    owner = withDatabase(inject('mysqlUrl'), DB);
    reader = probeLogin(owner);
  });

  afterAll(() => {
    rmSync('/tmp/cbt-probe-outfile', { force: true });
    rmSync('/tmp/cbt-probe-outfile2', { force: true });
  });

  it('refuses a login with FILE or SUPER for probes unless the file accepts it', async () => {
    const s = state('mysql', owner);
    try {
      await expect(s.probeSql('SELECT 1', 'audit.quantity')).rejects.toThrow(/^audit: the probes log in as root@\S+, which has ALL PRIVILEGES: .* audit\.url/);
    } finally {
      await s.close();
    }
    const accepted = state('mysql', owner, { allowPrivilegedProbes: true });
    try {
      expect(await accepted.probeSql('SELECT count(*) AS n FROM victim', 'audit.quantity')).toEqual([{ n: 3 }]);
    } finally {
      await accepted.close();
    }
  });

  it('on a read-only login, a stored function cannot write a file, and one with its definer\'s rights is refused by name', async () => {
    const s = state('mysql', owner, { url: reader });
    try {
      await expect(s.probeSql('SELECT to_file()', 'audit.quantity')).rejects.toThrow(/audit\.quantity: SELECT to_file\(\): MySQL says: execute command denied/);
      await expect(s.probeSql('SELECT to_file_as_owner()', 'audit.quantity')).rejects.toThrow(/calls to_file_as_owner\(\), which runs with the rights of root@\S+ \(SECURITY DEFINER\)/);
      await expect(s.probeSql('SELECT 1; DELETE FROM victim', 'audit.quantity')).rejects.toThrow(/a probe is one statement/);
      expect(existsSync('/tmp/cbt-probe-outfile')).toBe(false);
      expect(existsSync('/tmp/cbt-probe-outfile2')).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('kills a probe cut short on the server', async () => {
    const long = state('mysql', owner, { url: reader, timeout: 60 });
    const sleeping = long.probeSql('SELECT SLEEP(30)', 'audit.quantity').catch(() => 'cut');
    const conn = await mysql.createConnection({ uri: inject('mysqlUrl') });
    try {
      const running = async () => ((await conn.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(30)'"))[0][0]!.n as number);
      expect(await waitUntil(async () => (await running()) === 1, 5000)).toBe(true);
      await long.close();
      expect(await sleeping).toBe('cut');
      expect(await waitUntil(async () => (await running()) === 0, 3000)).toBe(true);
    } finally {
      await conn.end();
    }
  });
});

describe('probe fields of a target file', () => {
  const base = { name: 'x', request: { url: 'http://127.0.0.1:1/i' }, outcomes: [{ status: 200, outcome: 'issued' }] };
  const problems = (t: object) => {
    const parsed = TargetFileSchema.safeParse({ ...base, ...t });
    return parsed.success ? '' : describeIssues(parsed.error);
  };

  it('reads a column named outfile on PostgreSQL; refuses INTO OUTFILE', () => {
    expect(problems({ postgres: 'postgres://x@127.0.0.1/shop', audit: { quantity: { sql: 'SELECT remaining AS outfile FROM coupon' } } })).toBe('');
    expect(problems({ mysql: 'mysql://x@127.0.0.1/shop', audit: { quantity: { sql: "SELECT 1 INTO OUTFILE '/tmp/x'" } } })).toMatch(/INTO OUTFILE/);
  });

  it('audit.url logs in to the same kind of database the file names', () => {
    expect(problems({ mysql: 'mysql://x@127.0.0.1/shop', audit: { url: 'postgres://r@127.0.0.1/shop', quantity: { sql: 'SELECT 1' } } })).toBe(
      'audit.url: audit.url logs in to the same database as the file\'s own URL (mysql:// with "mysql", postgres:// with "postgres")',
    );
    expect(problems({ redis: 'redis://127.0.0.1', audit: { url: 'mysql://r@127.0.0.1/shop', quantity: { redis: 'GET q' } } })).toMatch(/^audit\.url: .*give that first/);
  });
});
