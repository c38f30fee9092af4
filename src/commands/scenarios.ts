import type { Command } from 'commander';
import { bundledScenarioNames, loadScenario, peakVUs, totalDuration } from '../config.js';
import { formatDuration } from '../duration.js';

export function registerScenarios(program: Command): void {
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
