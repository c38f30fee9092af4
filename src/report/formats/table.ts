import chalk from 'chalk';
import Table from 'cli-table3';
import { paint } from '../paint.js';
import { comparisonSections, type ComparisonSection } from '../sections.js';
import { comparisonTitle, type Exporter } from './types.js';

function terminalTable(section: ComparisonSection): string {
  const t = new Table({
    head: section.headers.map((h) => chalk.bold(h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  section.cells.forEach((row, i) => t.push(row.map((text, j) => paint(text, section.tones[i]![j]))));
  return t.toString();
}

/** Boxed tables for a terminal, coloured by tone (chalk drops colour when output is not a TTY). */
export const table: Exporter = {
  render: (c) => [chalk.bold(comparisonTitle(c)), ...comparisonSections(c.rows, c.baseline).map((s) => `\n${chalk.bold(s.title)}\n${terminalTable(s)}`)].join('\n'),
};
