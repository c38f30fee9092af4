import chalk from 'chalk';
import type { Tone } from '../outcomes.js';

/** Terminal colour of a tone; the HTML format uses the tone as a CSS class instead. */
export function paint(text: string, tone: Tone | undefined): string {
  switch (tone) {
    case 'good':
      return chalk.green(text);
    case 'warn':
      return chalk.yellow(text);
    case 'bad':
      return chalk.red(text);
    case 'dim':
      return chalk.dim(text);
    default:
      return text;
  }
}
