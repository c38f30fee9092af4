/**
 * couponbench's own TCP proxy in front of a dependency (MySQL, Redis): the system under test is
 * pointed at it, probes and the audit go around it. Faults act on what passes through, as
 * Toxiproxy's toxics do: `latency` delays every chunk by a fixed time plus jitter (order kept),
 * `stall` holds every chunk (connections stay open, nothing moves) until healed, `reset` resets
 * every open connection (RST), `down` refuses new connections until healed.
 */
import net from 'node:net';
import { canConnect } from '../../infra/ports.js';
import { UsageError } from '../../errors.js';
import type { Resources } from '../../lifecycle.js';
import type { RunEvent } from '../../timeline/events.js';

export type Direction = 'upstream' | 'downstream' | 'both';

export interface LatencyToxic {
  ms: number;
  jitterMs: number;
  direction: Direction;
}

/** One direction of one connection: chunks leave in order, each no earlier than it is due. */
class Pipe {
  private readonly queue: Array<{ chunk: Buffer; dueAt: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly link: LinkProxy,
    private readonly direction: 'upstream' | 'downstream',
  ) {}

  push(chunk: Buffer): void {
    const last = this.queue.at(-1)?.dueAt ?? 0;
    this.queue.push({ chunk, dueAt: Math.max(last, Date.now() + this.link.delayFor(this.direction)) });
    this.flush();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.link.stalled) return;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const wait = next.dueAt - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.flush(), wait);
        return;
      }
      this.queue.shift();
      if (!this.to.destroyed) this.to.write(next.chunk);
    }
  }

  drop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

interface Connection {
  client: net.Socket;
  server: net.Socket;
  pipes: Pipe[];
}

export class LinkProxy {
  private listener: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private latency: LatencyToxic | undefined;
  stalled = false;
  private down = false;
  /** Connections accepted since the start (for a test or a report). */
  accepted = 0;
  port = 0;

  constructor(
    readonly name: string,
    readonly upstream: { host: string; port: number },
  ) {}

  /** Listen on 127.0.0.1:`port` (0: a free one); resolves with the port. */
  async start(port = 0): Promise<number> {
    this.port = await this.listen(port);
    return this.port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) this.close(c, false);
    this.unlisten();
  }

  delayFor(direction: 'upstream' | 'downstream'): number {
    const l = this.latency;
    if (!l || (l.direction !== 'both' && l.direction !== direction)) return 0;
    return l.ms + (l.jitterMs > 0 ? Math.random() * l.jitterMs : 0);
  }

  setLatency(toxic: LatencyToxic | undefined): void {
    this.latency = toxic;
  }

  setStalled(stalled: boolean): void {
    this.stalled = stalled;
    if (!stalled) for (const c of this.connections) c.pipes.forEach((p) => p.flush());
  }

  /** Reset every open connection, both ends (RST). Returns how many. */
  resetAll(): number {
    const n = this.connections.size;
    for (const c of this.connections) this.close(c, true);
    return n;
  }

  /** Refuse new connections (the listener closes) until `setDown(false)` listens again on the same port. */
  async setDown(down: boolean): Promise<void> {
    if (down === this.down) return;
    this.down = down;
    if (down) this.unlisten();
    else await this.listen(this.port);
  }

  private listen(port: number): Promise<number> {
    const listener = net.createServer((client) => this.accept(client));
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => resolve((listener.address() as net.AddressInfo).port));
    });
  }

  /**
   * Stop accepting: the listening socket closes at once and its port is free again. Not awaited:
   * `close`'s callback waits for every accepted connection to end, and under `down` the open ones go on.
   */
  private unlisten(): void {
    this.listener?.close();
    this.listener = undefined;
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const server = net.connect(this.upstream.port, this.upstream.host);
    const conn: Connection = { client, server, pipes: [] };
    const up = new Pipe(server, this, 'upstream');
    const down = new Pipe(client, this, 'downstream');
    conn.pipes.push(up, down);
    this.connections.add(conn);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (chunk: Buffer) => up.push(chunk));
    server.on('data', (chunk: Buffer) => down.push(chunk));
    const end = () => this.close(conn, false);
    for (const s of [client, server]) {
      s.on('error', end);
      s.on('close', end);
    }
  }

  private close(conn: Connection, reset: boolean): void {
    if (!this.connections.delete(conn)) return;
    conn.pipes.forEach((p) => p.drop());
    for (const s of [conn.client, conn.server]) {
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

/**
 * A proxy named `name` in front of `upstream` (host:port), listening on `listen` (default a free
 * port), stopped with `resources`; `onEvent` hears that it opened.
 */
export async function openLink(name: string, upstream: string, resources: Resources, onEvent?: (event: RunEvent) => void, listen = 0): Promise<LinkProxy> {
  const [host, port] = upstream.split(':');
  // Found now, in one line, rather than by the service crashing on its first connection.
  if (!(await canConnect(Number(port), host!, 2000))) throw new UsageError(`links.${name}: nothing answers at its upstream ${upstream}; start ${name} there or correct links.${name}.upstream`);
  const proxy = new LinkProxy(name, { host: host!, port: Number(port) });
  try {
    await proxy.start(listen);
  } catch (err) {
    throw new UsageError(`links.${name}: cannot listen on ${listen || 'a free port'}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  resources.defer(`${name} link proxy`, () => proxy.stop());
  onEvent?.({ type: 'link-open', link: name, port: proxy.port, upstream });
  return proxy;
}
