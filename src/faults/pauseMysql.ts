/** SIGSTOP mariadbd for the duration, then SIGCONT: holders stall inside their critical sections. */
import { at, freeze, frozen, type Fault } from './targets.js';

export const pauseMysql: Fault = {
  kind: 'pause-mysql',
  actsOn: 'infra',
  instant: false,
  effects: ['stalls-holder'],
  database: 'mysql',
  async inject(targets) {
    const pid = targets.infra!.mysqlPid;
    if (pid === undefined) throw new Error('pause-mysql: this run started no MySQL');
    return frozen(targets, freeze(pid), `mariadbd (pid ${pid})`, [{ type: 'paused', atS: at(targets), pid }]);
  },
};
