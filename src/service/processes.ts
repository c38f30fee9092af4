/**
 * A service couponbench starts itself (the target file's `service` section): one process group
 * per port, run through a shell in the file's folder, waited for until ready, stopped with the
 * run's resources. A small guard process per instance waits for couponbench and stops the group
 * if couponbench dies without doing so (kill -9), as the reaper does for private databases.
 * A killed instance can be started again the same way (kill-instance with a duration).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '../errors.js';
import { isAlive, logTail, whenWeAreGone } from '../infra/process.js';
import { canConnect } from '../infra/ports.js';
import { killMarkedScript, pidsMarked } from '../infra/marked.js';
import type { RunEvent } from '../timeline/events.js';
import type { Resources } from '../lifecycle.js';
import type { LinkName } from '../faults/spec.js';
import type { InstanceProcess } from '../faults/targets.js';
import type { ServiceStart } from './schema.js';
import { certificateRefusal, simpleRequest, type TlsClientOptions } from './tls.js';

/** One instance of a started service; `pid` is its process group's leader (the shell), and the group is what is signalled. */
export interface ServiceInstance extends InstanceProcess {
  port: number;
  restart(): Promise<number>;
}

/** What `{links.NAME.port}` stands for. */
export type LinkPorts = Partial<Record<LinkName, number>>;

/** `{port}`, `{links.mysql.port}`, `{links.redis.port}` filled in. */
export function fillServiceText(text: string, port: number, links: LinkPorts): string {
  return text.replace(/\{(port|links\.(mysql|postgres|redis)\.port)\}/g, (_all, name: string, link?: LinkName) => String(link ? links[link] : port));
}

const STOP_GRACE_MS = 5000;

/** A running process group and the guard that stops it if couponbench is killed. */
interface Launched {
  pid: number;
  /** The value of SERVICE_MARK in the environment of every process the command starts. */
  mark: string;
  /** How its command ended: undefined while it runs. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  callOffGuard(): void;
}

/** Every process of an instance carries it, so one that left its process group (setsid) is found too. */
const SERVICE_MARK = 'COUPONBENCH_SERVICE_INSTANCE';

/** Stop an instance: its process group, then anything of it that left the group (a detached daemon). */
async function stopInstance(launched: Launched): Promise<void> {
  await stopGroup(launched.pid);
  await stopMarked(launched.mark);
  launched.callOffGuard();
}

async function stopMarked(mark: string): Promise<void> {
  const signal = (pids: number[], sig: NodeJS.Signals) => pids.forEach((pid) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  });
  let left = pidsMarked(SERVICE_MARK, mark);
  if (left.length === 0) return;
  signal(left, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && (left = left.filter(isAlive)).length > 0) await sleep(50);
  signal(left, 'SIGKILL');
}

/** Start every instance and wait until each is ready; everything started is stopped with `resources`. */
export async function startService(
  spec: ServiceStart,
  fileDir: string,
  links: LinkPorts,
  resources: Resources,
  onEvent: (event: RunEvent) => void,
  tls: TlsClientOptions = { rejectUnauthorized: true },
): Promise<ServiceInstance[]> {
  const logs = mkdtempSync(join(tmpdir(), 'couponbench-service-'));
  resources.defer('service logs', () => rmSync(logs, { recursive: true, force: true }));
  const cwd = resolve(fileDir, spec.cwd);
  const instances: ServiceInstance[] = [];
  for (const [i, port] of spec.ports.entries()) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(spec.env)) env[key] = fillServiceText(value, port, links);
    const log = join(logs, `instance-${i + 1}.log`);
    const number = i + 1;
    const launchReady = async (): Promise<Launched> => {
      // Something else answering there would pass the readiness check in the instance's place.
      if (await canConnect(port)) throw new InfraError(`service.ports: port ${port} is already in use by another process; stop it or choose another port`);
      const launched = launch(spec.command, cwd, env, log, logs);
      onEvent({ type: 'service-started', instance: number, pid: launched.pid, port, command: spec.command });
      await waitReady(spec, { number, port }, links, launched.exited, log, tls);
      return launched;
    };
    let current: Launched | undefined;
    resources.defer(`service instance ${number}`, async () => {
      if (current) await stopInstance(current);
    });
    const instance: ServiceInstance = {
      instance: number,
      port,
      group: true,
      get pid() {
        return current?.pid ?? -1;
      },
      async restart() {
        const killed = current;
        current = undefined;
        if (killed) await stopInstance(killed);
        current = await launchReady();
        return current.pid;
      },
    };
    instances.push(instance);
    current = await launchReady();
  }
  return instances;
}

function launch(command: string, cwd: string, env: NodeJS.ProcessEnv, log: string, logs: string): Launched {
  const fd = openSync(log, 'a');
  const mark = randomUUID();
  const child = spawn('sh', ['-c', command], { cwd, env: { ...env, [SERVICE_MARK]: mark }, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.on('error', () => {});
  const pid = child.pid ?? -1;
  // Once couponbench is gone (kill -9), stop the group and what left it, and remove the logs.
  const callOffGuard = whenWeAreGone(
    `kill -TERM -${pid} 2>/dev/null; ${killMarkedScript(SERVICE_MARK, mark, 'TERM')}; sleep 2; kill -KILL -${pid} 2>/dev/null; ${killMarkedScript(SERVICE_MARK, mark, 'KILL')}; rm -rf "$1"`,
    [logs],
  );
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? { code: child.exitCode, signal: child.signalCode } : undefined);
  return { pid, mark, exited, callOffGuard };
}

/**
 * Wait until the instance answers. A command that fails before that is said with its output; one
 * that returns 0 at once may have started the service in the background (`setsid svc &`, a
 * daemon): couponbench keeps waiting, and stops what it started by its mark.
 */
async function waitReady(spec: ServiceStart, instance: { number: number; port: number }, links: LinkPorts, exited: Launched['exited'], log: string, tls: TlsClientOptions): Promise<void> {
  const deadline = Date.now() + spec.readyTimeout * 1000;
  const check = 'http' in spec.ready ? fillServiceText(spec.ready.http, instance.port, links) : Number(fillServiceText(spec.ready.tcp, instance.port, links));
  while (Date.now() < deadline) {
    const ended = exited();
    if (ended && ended.code !== 0) {
      throw new InfraError(`service instance ${instance.number} exited with ${ended.code ?? ended.signal} before it was ready: ${logTail(log) || '(no output)'}`);
    }
    if (await isReady(check, tls, `service instance ${instance.number} (${check})`)) return;
    await sleep(100);
  }
  throw new InfraError(`service instance ${instance.number} was not ready within ${spec.readyTimeout}s (${typeof check === 'number' ? `tcp ${check}` : check}): ${logTail(log) || '(no output)'}`);
}

async function isReady(check: string | number, tls: TlsClientOptions, where: string): Promise<boolean> {
  if (typeof check === 'number') return canConnect(check);
  try {
    return (await simpleRequest(new URL(check), { timeoutMs: 1000, tls })).status < 500;
  } catch (err) {
    // Waiting longer will not change a certificate: say so now.
    const refused = certificateRefusal(err, where);
    if (refused) throw refused;
    return false;
  }
}

/** SIGTERM the group, wait, SIGKILL what is left. */
export async function stopGroup(pgid: number): Promise<void> {
  if (pgid <= 0 || !isAlive(pgid)) return signalGroup(pgid, 'SIGKILL');
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline && groupAlive(pgid)) await sleep(50);
  signalGroup(pgid, 'SIGKILL');
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    /* gone */
  }
}
