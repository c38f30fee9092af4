/**
 * Requests recorded elsewhere (a couponbench history from another machine, k6's `--out json`):
 * no load is made, the service's probes give the final state, and the audit is the same as for
 * a run.
 */
import { DEFAULT_STRATEGY_OPTIONS } from '../../strategies/index.js';
import type { RunConfig, Scenario } from '../config.js';
import type { Baseline } from '../history/format.js';
import type { LoadedHistory } from '../history/read.js';
import type { LoadRun } from '../load/driver.js';
import type { LoadedTarget } from '../service/file.js';
import { describeService, observeService, targetConfig, targetState } from './service.js';
import type { SystemUnderTest } from './types.js';

export function historySystem(loaded: LoadedTarget, recorded: LoadRun, baseline: Baseline): SystemUnderTest {
  let observe: SystemUnderTest['observe'] = () => Promise.reject(new Error('observe() before prepare()'));
  return {
    describe: () => describeService(loaded),
    async prepare(hooks) {
      const state = targetState(loaded, baseline.quantity, hooks);
      observe = (_run, h) => observeService(state, loaded.target, baseline, h);
      return { baseline, seedMs: 0, serverStartMs: 0, load: { kind: 'recorded', run: recorded } };
    },
    observe: (run, hooks) => observe(run, hooks),
  };
}

/**
 * The run's config for a history: the load it shows, as a scenario (peak VUs, distinct users, its
 * length), so its report reads and compares like a run's. No server settings apply.
 */
export function historyConfig(loaded: LoadedTarget, history: LoadedHistory, file: string, quantity: number, onePerUser: boolean): RunConfig {
  return targetConfig(loaded, { scenario: historyScenario(history, file, quantity, onePerUser), instances: 1, poolSize: 1, host: '127.0.0.1', port: 0, database: '', seed: 0, options: DEFAULT_STRATEGY_OPTIONS });
}

function historyScenario(history: LoadedHistory, file: string, quantity: number, onePerUser: boolean): Scenario {
  const { run } = history;
  const users = new Set<number>();
  for (let i = 0; i < run.log.length; i++) users.add(run.log.userId.get(i));
  const peak = run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0);
  return {
    name: 'history',
    description: `audited from ${file} (${history.source})`,
    quantity,
    thinkTime: 0,
    userPool: Math.max(1, users.size),
    onePerUser,
    timeout: 0,
    gracefulStop: 0,
    faults: [],
    overrides: [],
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [{ duration: run.durationMs / 1000, target: peak }],
  };
}
