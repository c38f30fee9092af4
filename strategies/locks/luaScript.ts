import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA. The script is loaded on first use and loaded again whenever the
 * server answers NOSCRIPT (after SCRIPT FLUSH, a restart or a failover), then retried once.
 */
export class LuaScript {
  readonly sha: string;
  /** How many times we sent SCRIPT LOAD; tests use it to see the reload happen. */
  loads = 0;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      await redis.script('LOAD', this.source);
      this.loads++;
      return redis.evalsha(this.sha, keys.length, ...keys, ...args);
    }
  }
}
