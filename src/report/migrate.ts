/**
 * Reports an earlier couponbench wrote, raised to the current shape so every reader sees one.
 * Version 3 named the database `environment.mysqlVersion` whichever it was (a bare MariaDB
 * version, `PostgreSQL 15.8`, or `n/a` for a service without SQL); version 4 names it `database`.
 * Version 3 counted a strategy's warnings in the server tally (`warning:release_failed`); version 4
 * counts them in `server.warnings`.
 */
type Json = Record<string, unknown>;

export const MIGRATIONS: Record<number, (report: Json) => Json> = {
  3: (report) => {
    const { mysqlVersion, ...environment } = (report['environment'] ?? {}) as Json;
    const version = typeof mysqlVersion === 'string' ? mysqlVersion : 'unknown';
    const database = /^PostgreSQL\b/.test(version) ? version : version === 'n/a' ? 'no SQL' : `MySQL ${version}`;
    // The server's tally carried its warnings as `warning:<kind>` keys; they are counts of their own now.
    const { 'warning:release_failed': releaseFailed, ...tally } = ((report['server'] as Json | undefined)?.['tally'] ?? {}) as Record<string, number>;
    return { ...report, version: 4, environment: { ...environment, database }, server: { tally, warnings: { release_failed: releaseFailed ?? 0 } } };
  },
};

/** Raise `report` version by version to `current`; undefined where no migration leads there. */
export function migrateReport(report: Json, current: number): Json | undefined {
  let raised = report;
  while (raised['version'] !== current) {
    const step = MIGRATIONS[raised['version'] as number];
    if (!step) return undefined;
    raised = step(raised);
  }
  return raised;
}
