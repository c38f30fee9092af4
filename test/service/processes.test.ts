/**
 * Starting a service (src/service/processes.ts) without a database: a tiny real HTTP server per
 * port, started by its command the way users start theirs, waited for, restarted as a new process
 * group, and stopped whole with the run's resources; a command that fails early is said with its
 * output, and one that never answers is given up on at its ready timeout.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, canConnect } from '../../src/infra/ports.js';
import { Resources } from '../../src/lifecycle.js';
import { fillServiceText, startService } from '../../src/service/processes.js';
import { ServiceStartSchema } from '../../src/service/schema.js';
import type { RunEvent } from '../../src/timeline/events.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-processes-'));
writeFileSync(join(dir, 'hello.mjs'), "import http from 'node:http';\nhttp.createServer((q, r) => r.end(process.env.GREETING)).listen(Number(process.env.PORT), '127.0.0.1');\n");

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a started service', () => {
  it('fills {port} and link ports into its environment and ready check', () => {
    expect(fillServiceText('node app.js --port {port} --db 127.0.0.1:{links.mysql.port} --cache {links.redis.port}', 8080, { mysql: 3307, redis: 6380 })).toBe('node app.js --port 8080 --db 127.0.0.1:3307 --cache 6380');
  });

  it('starts one instance per port, each ready before the next; restarts one as a new group; stops all with the resources', async () => {
    const ports = [await freePort(), await freePort()];
    const spec = ServiceStartSchema.parse({ command: 'exec node hello.mjs', ports, env: { PORT: '{port}', GREETING: 'hi from {port}' }, ready: { http: 'http://127.0.0.1:{port}/' }, readyTimeout: '10s' });
    const resources = new Resources();
    const events: RunEvent[] = [];
    try {
      const instances = await startService(spec, dir, {}, resources, (e) => events.push(e));
      expect(instances.map((i) => i.port)).toEqual(ports);
      for (const port of ports) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(`hi from ${port}`);
      expect(events).toEqual(instances.map((i) => ({ type: 'service-started', instance: i.instance, pid: i.pid, port: i.port, command: 'exec node hello.mjs' })));
      const before = instances[1]!.pid;
      const after = await instances[1]!.restart();
      expect(after).not.toBe(before);
      expect(groupAlive(before)).toBe(false);
      expect(await (await fetch(`http://127.0.0.1:${ports[1]}/`)).text()).toBe(`hi from ${ports[1]}`);
      await resources.releaseAll();
      for (const i of instances) expect(groupAlive(i.pid)).toBe(false);
      for (const port of ports) expect(await canConnect(port)).toBe(false);
    } finally {
      await resources.releaseAll();
    }
  });

  it('says a command that fails before it is ready, with its output, and gives up on one that never answers', async () => {
    const resources = new Resources();
    try {
      const failing = ServiceStartSchema.parse({ command: 'echo "no such table: coupons" >&2; exit 3', ports: [await freePort()], ready: { tcp: '{port}' } });
      await expect(startService(failing, dir, {}, resources, () => {})).rejects.toThrow(/^service instance 1 exited with 3 before it was ready: no such table: coupons$/);
      const silent = ServiceStartSchema.parse({ command: 'exec sleep 30', ports: [await freePort()], ready: { tcp: '{port}' }, readyTimeout: '1s' });
      await expect(startService(silent, dir, {}, resources, () => {})).rejects.toThrow(/^service instance 1 was not ready within 1s \(tcp \d+\): \(no output\)$/);
    } finally {
      await resources.releaseAll();
    }
  });
});
