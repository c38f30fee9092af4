/**
 * The dialect lives in src/db: each IssueDatabase declares what differs, and no module outside
 * src/db (nor a built-in strategy that runs on either database) asks which database a run is on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS, DATABASES } from '../../src/db/index.js';
import { packageRoot } from '../../src/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const BRANCH = /(?:===|!==)\s*['"](?:mysql|postgres)['"]|['"](?:mysql|postgres)['"]\s*(?:===|!==)|case\s+['"](?:mysql|postgres)['"]/;

describe('database dialects', () => {
  it('no module outside src/db branches on the dialect', () => {
    const root = packageRoot();
    const files = [...sources(join(root, 'src')), ...sources(join(root, 'strategies'))].filter((f) => !relative(root, f).startsWith(join('src', 'db')));
    expect(files.length).toBeGreaterThan(100);
    const branching = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${relative(root, f)}:${i + 1}`, line }))
        .filter(({ line }) => BRANCH.test(line)),
    );
    expect(branching).toEqual([]);
  });

  it('one IssueDatabase per kind, each naming itself and reading its own URL flag', () => {
    expect(Object.keys(DATABASES).sort()).toEqual([...DATABASE_KINDS].sort());
    for (const kind of DATABASE_KINDS) expect(DATABASES[kind].kind).toBe(kind);
    expect(DATABASES.mysql.request({ mysqlUrl: 'mysql://root@127.0.0.1:3306/shop?connection_limit=5' })).toEqual({
      infra: { mysqlUrl: 'mysql://root@127.0.0.1:3306/' },
      named: 'shop',
      notes: ['MySQL URL options ignored (not connection options): connection_limit'],
    });
    expect(DATABASES.postgres.request({ postgresUrl: 'postgres://u@127.0.0.1:5432/postgres' })).toEqual({ infra: { postgres: { url: 'postgres://u@127.0.0.1:5432/postgres' } }, notes: [] });
    expect(DATABASES.postgres.request({ postgresUrl: 'postgres://u@127.0.0.1:5432/shop' }).named).toBe('shop');
    expect(() => DATABASES.postgres.serverUrlOn({ mysqlUrl: 'mysql://root@127.0.0.1:3306/' })).toThrow('--db postgres needs a PostgreSQL: local infra starts one, or give --postgres-url');
    expect(() => DATABASES.mysql.serverUrlOn({ postgresUrl: 'postgres://u@h/p' })).toThrow('this infra has no MySQL (it was started for --db postgres)');
    expect(DATABASES.postgres.processOn({ postgresPid: 7, redisPids: () => [], restartRedis: async () => {} })).toMatchObject({ name: 'postgres', pid: 7, children: true });
    expect(DATABASES.mysql.processOn({ redisPids: () => [], restartRedis: async () => {} })).toBeUndefined();
  });
});
