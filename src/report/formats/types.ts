import type { ComparisonRow } from '../comparison.js';
import type { Report } from '../schema.js';

/** What every format renders: rows of one scenario, an optional baseline, and the reports behind them. */
export interface Comparison {
  scenario: string;
  rows: ComparisonRow[];
  baseline?: ComparisonRow;
  /** The reports behind the rows, for formats that chart them over time. */
  reports: Report[];
}

export interface Exporter {
  /** The whole comparison as text in this format. */
  render(comparison: Comparison): string;
}

export function comparisonTitle(c: Pick<Comparison, 'scenario' | 'baseline'>): string {
  const b = c.baseline;
  return `scenario ${c.scenario}${b ? `, baseline ${b.key}${b.runs[0]?.file ? ` (${b.runs[0].file})` : ''}` : ''}`;
}
