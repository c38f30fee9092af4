import type { Command } from 'commander';
import { keepInfraUp } from '../infra/index.js';
import { positiveInt } from './options.js';
import { withResources } from './session.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start local MariaDB + Redis and keep them running for later runs')
    .option('--redis-nodes <n>', 'independent Redis nodes to start', positiveInt, 1)
    .action(async (flags: { redisNodes: number }) => {
      // Ctrl-C while the daemons start stops them; once up, they are kept for later runs.
      const state = await withResources(true, (hooks) => keepInfraUp(flags.redisNodes, hooks.resources));
      process.stdout.write(`mysql ${state.mysqlUrl}\nredis ${state.redisUrls.join(' ')}\n(stop with: couponbench down)\n`);
    });
}
