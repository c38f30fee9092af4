import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import { formatZodError } from '../config.js';
import { UsageError } from '../errors.js';
import { INPUT_LIMITS, readInputFile } from '../inputFile.js';
import { latestPerKey } from './comparison.js';
import { migrateReport } from './migrate.js';
import { REPORT_VERSION, ReportSchema, serialiseReport, type Report } from './schema.js';

export const DEFAULT_REPORTS_DIR = 'reports';

export function reportFileName(report: Report): string {
  const stamp = report.createdAt.replace(/[:.]/g, '-');
  // A scenario changed by flags is named by what changed (`smoke quantity=1000`): in a file name, only what no shell reads twice.
  const scenario = report.config.scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return `${stamp}-${report.config.strategy}-${scenario}.json`;
}

/** --out, or the report's own name in the report folder. */
export function reportPath(report: Report, out?: string, dir = DEFAULT_REPORTS_DIR): string {
  return out ?? join(dir, reportFileName(report));
}

/**
 * Write the report atomically and return its path and the exact text written: the report's one
 * serialisation, which `run --json` prints too.
 */
export async function writeReport(report: Report, out?: string, dir = DEFAULT_REPORTS_DIR): Promise<{ file: string; json: string }> {
  const file = reportPath(report, out, dir);
  const json = serialiseReport(report);
  await writeFileAtomic(file, json);
  return { file, json };
}

export async function readReport(file: string): Promise<Report> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readInputFile(file, `report ${file}`, INPUT_LIMITS.report));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
  const current = json !== null && typeof json === 'object' ? migrateReport(json, REPORT_VERSION) : undefined;
  if (!current) {
    throw new UsageError(`${file}: report version ${String(json?.['version'])} is not ${REPORT_VERSION} (written by another couponbench version; run it again)`);
  }
  const parsed = ReportSchema.safeParse(current);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error, file));
  return parsed.data;
}

export interface LoadedReport {
  report: Report;
  file: string;
}

async function jsonFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.json')).map((n) => join(dir, n));
}

/**
 * Reports named on the command line (files or directories); with none, the newest report of
 * each strategy configuration in `dir`, for the scenario of the newest report there.
 */
export async function collectReports(paths: string[], dir = DEFAULT_REPORTS_DIR): Promise<LoadedReport[]> {
  const files: string[] = [];
  if (paths.length === 0) files.push(...(await jsonFilesIn(dir).catch(() => [])));
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new UsageError(`no such report: ${p}`);
    files.push(...(s.isDirectory() ? await jsonFilesIn(p) : [p]));
  }
  if (files.length === 0) throw new UsageError(`no reports found${paths.length === 0 ? ` in ${dir}/ (run couponbench run first)` : ''}`);
  const loaded = await Promise.all(files.map(async (file) => ({ file, report: await readReport(file) })));
  return paths.length > 0 ? loaded : latestPerKey(loaded);
}
