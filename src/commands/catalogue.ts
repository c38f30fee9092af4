import type { Command } from 'commander';
import { STRATEGIES } from '../../strategies/index.js';
import { bundledScenarioNames, loadScenario, peakVUs, totalDuration } from '../config.js';
import { formatDuration } from '../duration.js';

/** `strategies` and `scenarios`: what couponbench ships. */
export function registerCatalogue(program: Command): void {
  program
    .command('strategies')
    .description('list the strategies and the integrity each promises')
    .action(() => {
      for (const s of STRATEGIES) process.stdout.write(`${s.name.padEnd(20)} ${s.promise.padEnd(17)} ${s.summary}\n`);
    });

  program
    .command('scenarios')
    .description('list the bundled scenarios')
    .action(async () => {
      for (const name of await bundledScenarioNames()) {
        const s = await loadScenario(name);
        const shape = s.stages.map((st) => `${formatDuration(st.duration)}→${st.target}`).join(', ');
        process.stdout.write(
          `${name.padEnd(16)} ${String(s.quantity).padStart(7)} units  peak ${String(peakVUs(s)).padStart(5)} VUs  ${formatDuration(totalDuration(s)).padStart(6)}  [${shape}]  ${s.description}\n`,
        );
      }
    });
}
