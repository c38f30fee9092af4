import type { Command } from 'commander';
import { keepInfraDown, keepInfraUp } from '../infra/index.js';
import { positiveInt } from './options.js';

/** `up` and `down`: local MariaDB + Redis kept between runs. */
export function registerInfra(program: Command): void {
  program
    .command('up')
    .description('start local MariaDB + Redis and keep them running for later runs')
    .option('--redis-nodes <n>', 'independent Redis nodes to start', positiveInt, 1)
    .action(async (flags: { redisNodes: number }) => {
      const state = await keepInfraUp(flags.redisNodes);
      process.stdout.write(`mysql ${state.mysqlUrl}\nredis ${state.redisUrls.join(' ')}\n(stop with: couponbench down)\n`);
    });

  program
    .command('down')
    .description('stop what `couponbench up` started')
    .action(async () => {
      const state = await keepInfraDown();
      process.stdout.write(state ? `stopped ${state.pids.length} processes, removed ${state.dir}\n` : 'nothing was running\n');
    });
}
