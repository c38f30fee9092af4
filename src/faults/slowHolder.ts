/**
 * The next holder of the lock in one instance stalls inside its critical section for the
 * duration: a deterministic GC pause. The one fault that reaches into the server, through its IPC
 * (see `stallNextHolder` in strategies/lockedIssue.ts).
 */
import { at, instanceOf, type Fault } from './targets.js';

export const slowHolder: Fault = {
  kind: 'slow-holder',
  actsOn: 'server-hook',
  instant: false,
  effects: ['stalls-holder'],
  async inject(targets, spec) {
    const { instance, pid } = instanceOf(targets, spec);
    if (!targets.stallNextHolder) throw new Error('slow-holder needs the embedded server');
    targets.stallNextHolder(instance, spec.duration * 1000);
    return { target: `instance ${instance} (pid ${pid})`, events: [{ type: 'stall-armed', atS: at(targets), seconds: spec.duration }], heal: async () => {} };
  },
};
