import type { Command } from 'commander';
import { STRATEGIES } from '../../strategies/index.js';

export function registerStrategies(program: Command): void {
  program
    .command('strategies')
    .description('list the strategies, the integrity each promises and the databases it issues on (--db)')
    .action(() => {
      for (const s of STRATEGIES) process.stdout.write(`${s.name.padEnd(20)} ${s.promise.padEnd(17)} ${(s.databases ?? ['mysql']).join(',').padEnd(15)} ${s.summary}\n`);
    });
}
