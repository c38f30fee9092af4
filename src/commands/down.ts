import type { Command } from 'commander';
import { keepInfraDown } from '../infra/index.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop what `couponbench up` started')
    .action(async () => {
      const state = await keepInfraDown();
      process.stdout.write(state ? `stopped ${state.pids.length} processes, removed ${state.dir}\n` : 'nothing was running\n');
    });
}
