import { z } from 'zod';
import { STRATEGY_KNOBS, IntegrityPromiseSchema, PersistenceSchema } from '../../strategies/types.js';
import { AuditSchema, FairnessSchema, StockReadingSchema, WitnessSchema } from '../audit/index.js';
import { RunConfigSchema } from '../config.js';
import { CpuUsageSchema } from '../cpu.js';
import { CalibrationSchema, CeilingShapeSchema } from '../db/calibrate.js';
import { EnvironmentSchema } from '../environment.js';
import { FaultKindSchema, FaultRecordSchema } from '../faults/spec.js';
import { InfraKindSchema } from '../infra/types.js';
import { ServerCountsSchema } from '../server/counts.js';
import { LoadSummarySchema, saleIssuedRate, SeriesPointSchema } from '../load/summary.js';

/**
 * The persisted report, composed of the schemas that live beside the code producing each part.
 * Bump REPORT_VERSION on any incompatible change, with its step in migrate.ts so older reports stay readable.
 */
export const REPORT_SCHEMA = 'couponbench/report';
export const REPORT_VERSION = 4;

export const ReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  version: z.literal(REPORT_VERSION),
  id: z.string(),
  createdAt: z.string(),
  config: RunConfigSchema.extend({
    promise: IntegrityPromiseSchema,
    infra: InfraKindSchema,
    /** Faults the strategy declares it keeps integrity under; the gate holds it to them. */
    survives: z.array(FaultKindSchema).default([]),
    /** The strategy knobs it reads (absent in older reports: every knob counts). */
    knobs: z.array(z.enum(STRATEGY_KNOBS)).optional(),
    /** The hot-row shape the strategy's efficiency is measured against (absent for a target service). */
    ceiling: CeilingShapeSchema.optional(),
  }),
  environment: EnvironmentSchema,
  timings: z.object({ infraMs: z.number(), seedMs: z.number(), serverStartMs: z.number(), loadMs: z.number(), auditMs: z.number() }),
  load: LoadSummarySchema,
  series: z.array(SeriesPointSchema),
  server: ServerCountsSchema,
  audit: AuditSchema,
  /** What the audit's violations come down to, in this run's own records (src/audit/witness.ts); empty for a pass. */
  witnesses: z.array(WitnessSchema).default([]),
  /** The stock left, read while the load ran (empty where it was not read: a history, a write-behind strategy). */
  stockReadings: z.array(StockReadingSchema).default([]),
  fairness: FairnessSchema,
  /** What the nemesis did, in order (empty without faults). */
  faults: z.array(FaultRecordSchema).default([]),
  /** CPU per component while the load ran (null where /proc could not be read; absent in older reports). */
  cpu: CpuUsageSchema.nullable().optional(),
  /** The hot-row ceiling measured on the same infra before the run (`calibrate`; absent when not measured). */
  calibration: CalibrationSchema.optional(),
  /** A write-behind strategy's queue after the load: drained or not, lag from the 200 to the row (absent for others). */
  persistence: PersistenceSchema.optional(),
});

/** Sale-phase issue rate over the ceiling of the strategy's own shape; undefined without a calibration. */
export function efficiency(report: Pick<Report, 'config' | 'load' | 'calibration'>): { value: number; ceiling: number; shape: string } | undefined {
  const c = report.calibration;
  if (!c) return undefined;
  const shape = report.config.ceiling ?? 'conditional-update';
  const ceiling = c.ceilings[shape];
  return ceiling > 0 ? { value: saleIssuedRate(report.load) / ceiling, ceiling, shape } : undefined;
}
export type Report = z.infer<typeof ReportSchema>;

/** The one serialisation of a report: what the file holds and what `--json` prints, byte for byte. */
export function serialiseReport(report: Report): string {
  return `${JSON.stringify(ReportSchema.parse(report), null, 2)}\n`;
}
