import type { Command } from 'commander';
import { runDriverBenchmark } from '../bench/driverBench.js';
import { positiveInt, seconds } from './options.js';

export function registerBenchDriver(program: Command): void {
  program
    .command('bench-driver')
    .description("measure the load driver's own overhead against a no-op server (and wrk, if installed)")
    .option('--vus <n>', 'virtual users', positiveInt, 2000)
    .option('--think-time <d>', 'think time', seconds, 1)
    .option('--duration <d>', 'measured duration', seconds, 20)
    .action(async (flags: { vus: number; thinkTime: number; duration: number }) => {
      await runDriverBenchmark(flags, process.stdout);
    });
}
