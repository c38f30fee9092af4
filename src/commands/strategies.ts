import type { Command } from 'commander';
import { STRATEGIES } from '../../strategies/index.js';

export function registerStrategies(program: Command): void {
  program
    .command('strategies')
    .description('list the strategies and the integrity each promises')
    .action(() => {
      for (const s of STRATEGIES) process.stdout.write(`${s.name.padEnd(20)} ${s.promise.padEnd(17)} ${s.summary}\n`);
    });
}
