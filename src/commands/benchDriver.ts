import type { Command } from 'commander';
import { runDriverBenchmark } from '../bench/driverBench.js';
import { runMemoryBenchmark } from '../bench/memoryBench.js';
import { positiveInt, seconds } from './options.js';

export function registerBenchDriver(program: Command): void {
  program
    .command('bench-driver')
    .description("measure the load driver's own overhead against a no-op server (and wrk, if installed)")
    .option('--vus <n>', 'virtual users', positiveInt, 2000)
    .option('--think-time <d>', 'think time (of --memory too)', seconds, 1)
    .option('--duration <d>', 'measured duration (--memory: half ramp, half at full VUs)', seconds, 20)
    .option('--memory', "instead: the driver's peak RSS at --memory-vus VUs with --memory-requests requests in its log")
    .option('--memory-vus <n>', 'VUs for --memory', positiveInt, 10_000)
    .option('--memory-requests <n>', 'requests in the log for --memory', positiveInt, 5_000_000)
    .action(async (flags: { vus: number; thinkTime: number; duration: number; memory?: boolean; memoryVus: number; memoryRequests: number }) => {
      if (flags.memory) await runMemoryBenchmark({ vus: flags.memoryVus, requests: flags.memoryRequests, duration: flags.duration / 2, thinkTime: flags.thinkTime }, process.stdout);
      else await runDriverBenchmark(flags, process.stdout);
    });
}
