import cluster, { type Worker } from 'node:cluster';
import { InfraError } from '../errors.js';
import { builtModule } from '../paths.js';
import { assertPortFree, freePort } from '../infra/ports.js';
import type { InstanceProcess } from '../faults/targets.js';
import { sumServerCounts, type ServerCounts } from './counts.js';
import { WORKER_CONFIG_ENV, WORKER_INSTANCE_ENV, type PrimaryMessage, type WorkerConfig, type WorkerMessage } from './messages.js';

export type { WorkerConfig } from './messages.js';
export type { ServerCounts } from './counts.js';

export interface ServerRequest extends Omit<WorkerConfig, 'port'> {
  instances: number;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningServer {
  url: string;
  port: number;
  instances: number;
  /** Drain in-flight requests, stop every instance, and return what they counted, summed. */
  stop(): Promise<ServerCounts>;
  /** Stop every instance now, without draining (Ctrl-C, error paths). */
  kill(): Promise<void>;
  /** Each instance (1-based), its process id now, and how to start it again after a kill: what faults act on. */
  processes: InstanceProcess[];
  /** Fault injection (slow-holder): the next lock holder in `instance` stalls for `ms`. */
  stallNextHolder(instance: number, ms: number): void;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

/** Start `instances` cluster workers that share one listening port on `host`. */
export async function startServer(req: ServerRequest): Promise<RunningServer> {
  const port = req.port === 0 ? await freePort(req.host) : req.port;
  if (req.port !== 0) await assertPortFree(port, req.host);
  cluster.setupPrimary({ exec: builtModule('src/server/worker.js'), args: [], silent: false });

  const config: WorkerConfig = { ...req, port };
  const workers: Worker[] = [];
  const tallies: ServerCounts[] = [];
  const fork = (instance: number) => {
    const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(config), [WORKER_INSTANCE_ENV]: String(instance) });
    workers[instance - 1] = worker;
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'stats') tallies.push(msg.counts);
    });
    return waitForReady(worker, instance);
  };
  const ready = [];
  for (let i = 1; i <= req.instances; i++) ready.push(fork(i));

  const stop = async (): Promise<ServerCounts> => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    return sumServerCounts(tallies);
  };
  try {
    await Promise.all(ready);
  } catch (err) {
    await stop();
    throw err;
  }
  const kill = () => Promise.all(workers.map((w) => killWorker(w))).then(() => undefined);
  // A killed instance is started again as a new worker with the same instance number (kill-instance with a duration).
  const processes: InstanceProcess[] = workers.map((_, i) => ({
    instance: i + 1,
    get pid() {
      return workers[i]!.process.pid!;
    },
    group: false,
    restart: async () => {
      await fork(i + 1);
      return workers[i]!.process.pid!;
    },
  }));
  const stallNextHolder = (instance: number, ms: number) => workers[instance - 1]?.send({ type: 'stall-next-holder', ms } satisfies PrimaryMessage);
  return { url: `http://${req.host}:${port}`, port, instances: req.instances, stop, kill, processes, stallNextHolder };
}

function waitForReady(worker: Worker, instance: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new InfraError(`server instance ${instance} did not start within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
    const onMessage = (msg: WorkerMessage) => {
      if (msg.type === 'ready') {
        finish();
        resolve();
      } else if (msg.type === 'start-error') {
        finish();
        const busy = msg.code === 'EADDRINUSE' ? ' (port busy; choose another with --port)' : '';
        reject(new InfraError(`server instance ${instance} failed to start: ${msg.message}${busy}`));
      }
    };
    const onExit = (code: number) => {
      finish();
      reject(new InfraError(`server instance ${instance} exited during start-up with code ${code}`));
    };
    const finish = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      worker.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      worker.send({ type: 'shutdown' });
    } catch {
      worker.process.kill('SIGTERM');
    }
  });
}

function killWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    worker.process.kill('SIGKILL');
  });
}
