import { z } from 'zod';
import { WARNINGS, type Warning } from '../outcomes.js';

/**
 * What the server instances counted, reported at shutdown: each answer by observation (`issued`,
 * `failed:<cause>`), a cross-check of what the clients saw; and each warning a strategy raised
 * beside its answer (`release_failed`: the lock was no longer its own at release), which no
 * client sees.
 */
export const ServerCountsSchema = z.object({
  tally: z.record(z.string(), z.number()),
  warnings: z.object(Object.fromEntries(WARNINGS.map((w) => [w, z.number().int().nonnegative()])) as Record<Warning, z.ZodNumber>),
});
export type ServerCounts = z.infer<typeof ServerCountsSchema>;

export const noServerCounts = (): ServerCounts => ({ tally: {}, warnings: Object.fromEntries(WARNINGS.map((w) => [w, 0])) as Record<Warning, number> });

export function sumServerCounts(counts: ServerCounts[]): ServerCounts {
  const sum = noServerCounts();
  for (const c of counts) {
    for (const [k, v] of Object.entries(c.tally)) sum.tally[k] = (sum.tally[k] ?? 0) + v;
    for (const w of WARNINGS) sum.warnings[w] += c.warnings[w];
  }
  return sum;
}
