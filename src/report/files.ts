import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import { formatZodError } from '../config.js';
import { UsageError } from '../errors.js';
import { REPORT_VERSION, ReportSchema, type Report } from './schema.js';

export const DEFAULT_REPORTS_DIR = 'reports';

export function reportFileName(report: Report): string {
  const stamp = report.createdAt.replace(/[:.]/g, '-');
  return `${stamp}-${report.config.strategy}-${report.config.scenario.name}.json`;
}

/** Write the report atomically and return its path. */
export async function writeReport(report: Report, out?: string, dir = DEFAULT_REPORTS_DIR): Promise<string> {
  const file = out ?? join(dir, reportFileName(report));
  await writeFileAtomic(file, `${JSON.stringify(ReportSchema.parse(report), null, 2)}\n`);
  return file;
}

export async function readReport(file: string): Promise<Report> {
  let json: { version?: unknown };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  if (json?.version !== REPORT_VERSION) throw new UsageError(`${file}: report version ${String(json?.version)} is not ${REPORT_VERSION}`);
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error, file));
  return parsed.data;
}
