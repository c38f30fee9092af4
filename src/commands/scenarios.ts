import type { Command } from 'commander';
import { bundledScenarioNames, describeShape, loadScenario, peakVUs, totalDuration } from '../config.js';
import { formatDuration } from '../duration.js';

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the bundled scenarios')
    .action(async () => {
      for (const name of await bundledScenarioNames()) {
        const s = await loadScenario(name);
        process.stdout.write(
          `${name.padEnd(16)} ${String(s.quantity).padStart(7)} units  peak ${String(peakVUs(s)).padStart(5)} VUs  ${formatDuration(totalDuration(s)).padStart(6)}  [${describeShape(s)}]  ${s.description}\n`,
        );
      }
    });
}
