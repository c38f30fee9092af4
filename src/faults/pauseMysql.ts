/** SIGSTOP mariadbd for the duration, then SIGCONT: holders stall inside their critical sections. */
import { at, freeze, type Fault } from './targets.js';

export const pauseMysql: Fault = {
  kind: 'pause-mysql',
  needsLocalInfra: true,
  async inject(targets) {
    const pid = targets.infra!.mysqlPid;
    const thaw = freeze(pid);
    const events = [`paused at ${at(targets)}`];
    return {
      target: `mariadbd (pid ${pid})`,
      events,
      heal: async () => {
        thaw();
        events.push(`resumed at ${at(targets)}`);
      },
    };
  },
};
