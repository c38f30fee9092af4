import { comparisonSections, type ComparisonSection } from '../sections.js';
import { comparisonTitle, type Exporter } from './types.js';

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

function markdownTable(section: ComparisonSection): string {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(section.headers), line(section.headers.map(() => '---')), ...section.cells.map(line)].join('\n');
}

/** GitHub-flavoured markdown, e.g. for $GITHUB_STEP_SUMMARY or a pull-request comment. */
export const markdown: Exporter = {
  render: (c) => [`### couponbench: ${comparisonTitle(c)}`, ...comparisonSections(c.rows, c.baseline).map((s) => `\n**${s.title}**\n\n${markdownTable(s)}`)].join('\n'),
};
