import { z } from 'zod';

/** The persisted report. Bump REPORT_VERSION on any incompatible change; readers refuse others. */
export const REPORT_SCHEMA = 'couponbench/report';
export const REPORT_VERSION = 1;

const counts = z.record(z.string(), z.number());

export const LatencySchema = z.object({
  avg: z.number(), min: z.number(), med: z.number(), p90: z.number(), p95: z.number(), p99: z.number(), max: z.number(),
});

export const LoadSummarySchema = z.object({
  requests: z.number().int(),
  responses: z.number().int(),
  durationS: z.number(),
  rate: z.number(),
  issued: z.number().int(),
  issuedRate: z.number(),
  latency: LatencySchema,
  statusCounts: counts,
  results: counts,
  timeouts: z.number().int(),
  errors: z.number().int(),
  interrupted: z.number().int(),
  peakVUs: z.number().int(),
  distinctUsers: z.number().int(),
});

export const SeriesPointSchema = z.object({
  second: z.number().int(), vus: z.number().int(), sent: z.number().int(), responses: z.number().int(),
  issued: z.number().int(), failed: z.number().int(), p50: z.number(), p95: z.number(), p99: z.number(),
});

export const AuditSchema = z.object({
  initialQuantity: z.number().int(),
  finalQuantity: z.number().int(),
  rows: z.number().int(),
  clientIssued: z.number().int(),
  expectedRemaining: z.number().int(),
  lostDecrements: z.number().int(),
  phantomDecrements: z.number().int(),
  overIssue: z.number().int(),
  negativeStock: z.boolean(),
  missingRows: z.number().int(),
  unconfirmedRows: z.number().int(),
  duplicateUsers: z.number().int(),
  duplicateRows: z.number().int(),
  redis: z.object({ stock: z.number().int().nullable(), winners: z.number().int() }).nullable(),
  violations: z.array(z.object({ kind: z.string(), count: z.number(), text: z.string() })),
  verdict: z.enum(['pass', 'fail']),
  explanation: z.string(),
});

export const FairnessSchema = z.object({
  quantity: z.number().int(),
  soldOut: z.boolean(),
  askers: z.number().int(),
  earlyAskers: z.number().int(),
  winners: z.number().int(),
  earlyWinners: z.number().int(),
  earlyEmptyHanded: z.number().int(),
  earlyEmptyHandedBy: counts,
  kendallTau: z.number().nullable(),
  inversions: z.number().int(),
});

export const ReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  version: z.literal(REPORT_VERSION),
  id: z.string(),
  createdAt: z.string(),
  config: z.object({
    strategy: z.string(),
    promise: z.enum(['none', 'single-instance', 'across-instances']),
    scenario: z.object({
      name: z.string(),
      quantity: z.number().int(),
      startVUs: z.number().int(),
      stages: z.array(z.object({ duration: z.number(), target: z.number().int() })),
      thinkTime: z.number(),
      userPool: z.number().int(),
      onePerUser: z.boolean(),
      timeout: z.number(),
      gracefulStop: z.number(),
    }),
    instances: z.number().int(),
    poolSize: z.number().int(),
    infra: z.enum(['local', 'docker', 'external']),
    database: z.string(),
    seed: z.number().int(),
    options: z.object({ lockWaitMs: z.number(), lockLeaseMs: z.number(), retryIntervalMs: z.number(), maxRetries: z.number() }),
  }),
  environment: z.object({
    couponbench: z.string(),
    node: z.string(),
    platform: z.string(),
    cpus: z.number().int(),
    cpuModel: z.string(),
    memoryGiB: z.number(),
    mysqlVersion: z.string(),
    redisVersion: z.string(),
  }),
  timings: z.object({ infraMs: z.number(), seedMs: z.number(), serverStartMs: z.number(), loadMs: z.number(), auditMs: z.number() }),
  load: LoadSummarySchema,
  series: z.array(SeriesPointSchema),
  server: z.object({ tally: counts }),
  audit: AuditSchema,
  fairness: FairnessSchema,
});

export type Report = z.infer<typeof ReportSchema>;
