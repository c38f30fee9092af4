/** Reports of version 3 (database named `mysqlVersion`, warnings in the tally) stay readable; unknown versions are refused in one line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport } from '../../src/report/files.js';
import { REPORT_VERSION } from '../../src/report/schema.js';
import { fixtureReport } from '../fixtures/reports.js';

function asVersion3(mysqlVersion: string): string {
  const report = fixtureReport({ strategy: 'redis-spin', results: { issued: 5 } });
  const { database: _, ...environment } = report.environment;
  const dir = mkdtempSync(join(tmpdir(), 'cb-migrate-'));
  const file = join(dir, 'old.json');
  writeFileSync(file, JSON.stringify({ ...report, version: 3, environment: { ...environment, mysqlVersion }, server: { tally: { issued: 5, 'warning:release_failed': 2 } } }));
  return file;
}

describe('reading reports an earlier couponbench wrote', () => {
  it('names a version 3 database the way version 4 does, whichever it was', async () => {
    expect(REPORT_VERSION).toBe(4);
    expect((await readReport(asVersion3('10.11.6-MariaDB-0+deb12u1'))).environment.database).toBe('MySQL 10.11.6-MariaDB-0+deb12u1');
    expect((await readReport(asVersion3('PostgreSQL 15.8'))).environment.database).toBe('PostgreSQL 15.8');
    const service = await readReport(asVersion3('n/a'));
    expect(service.environment.database).toBe('no SQL');
    expect(service.environment).not.toHaveProperty('mysqlVersion');
    expect(service.server).toEqual({ tally: { issued: 5 }, warnings: { release_failed: 2 } });
  });

  it('refuses a version it has no way to read, in one line', async () => {
    const file = asVersion3('10.11.6-MariaDB');
    const json = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')));
    writeFileSync(file, JSON.stringify({ ...json, version: 2 }));
    await expect(readReport(file)).rejects.toThrow(/^.*old\.json: report version 2 is not 4 \(written by another couponbench version; run it again\)$/);
    writeFileSync(file, JSON.stringify({ ...json, version: 5 }));
    await expect(readReport(file)).rejects.toThrow(/report version 5 is not 4/);
  });
});
