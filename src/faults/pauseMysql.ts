/** SIGSTOP mariadbd for the duration, then SIGCONT: holders stall inside their critical sections. */
import { at, signal, type Fault } from './targets.js';

export const pauseMysql: Fault = {
  kind: 'pause-mysql',
  needsLocalInfra: true,
  async inject(targets) {
    const pid = targets.infra!.mysqlPid;
    signal(pid, 'SIGSTOP');
    const events = [`paused at ${at(targets)}`];
    return {
      target: `mariadbd (pid ${pid})`,
      events,
      heal: async () => {
        signal(pid, 'SIGCONT');
        events.push(`resumed at ${at(targets)}`);
      },
    };
  },
};
