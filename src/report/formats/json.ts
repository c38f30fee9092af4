import type { Exporter } from './types.js';

/** The comparison rows as data (ComparisonRowSchema), for scripts. */
export const json: Exporter = {
  render: (c) => JSON.stringify({ scenario: c.scenario, baseline: c.baseline ?? null, rows: c.rows }, null, 2),
};
