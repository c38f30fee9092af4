/**
 * A driver worker in a process of its own, for a load with more sockets than one process may
 * open: each process holds its share under its own open-files limit. It leaves the run's Ctrl-C
 * to couponbench (which stops it), and exits when couponbench goes away, however that happened:
 * its IPC channel closes with it, kill -9 included.
 */
import type { MainMessage, WorkerMessage } from './protocol.js';
import { runShare } from './runShare.js';

process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
runShare({
  post: (message: WorkerMessage) => process.send!(message),
  onMessage: (listener) => process.on('message', (message: MainMessage) => listener(message)),
  cpuMs: () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  },
});
