/** SIGSTOP redis-server for the duration, then SIGCONT: every lock and counter call waits. */
import { at, freeze, frozen, type Fault } from './targets.js';

export const pauseRedis: Fault = {
  kind: 'pause-redis',
  actsOn: 'infra',
  instant: false,
  effects: ['stalls-redis'],
  async inject(targets) {
    const pid = targets.infra!.redisPids()[0]!;
    return frozen(targets, freeze(pid), `redis-server (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid }]);
  },
};
