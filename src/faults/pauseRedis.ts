/** SIGSTOP redis-server for the duration, then SIGCONT: every lock and counter call waits. */
import { at, freeze, type Fault } from './targets.js';

export const pauseRedis: Fault = {
  kind: 'pause-redis',
  needsLocalInfra: true,
  async inject(targets) {
    const pid = targets.infra!.redisPids()[0]!;
    const thaw = freeze(pid);
    const events = [`paused at ${at(targets)}`];
    return {
      target: `redis-server (pid ${pid})`,
      events,
      heal: async () => {
        thaw();
        events.push(`resumed at ${at(targets)}`);
      },
    };
  },
};
