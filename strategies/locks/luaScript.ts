import { createHash } from 'node:crypto';
import type { RedisClient } from './types.js';

/**
 * A Lua script run with EVALSHA. Whenever the server answers NOSCRIPT (first use, SCRIPT FLUSH, a
 * restart or a failover) it is sent once with EVAL, which runs it and caches it on that node: on
 * a cluster, the node that owns the keys' slot, which a separate SCRIPT LOAD would not reach.
 */
export class LuaScript {
  readonly sha: string;
  /** How many times we sent SCRIPT LOAD; tests use it to see the reload happen. */
  loads = 0;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      this.loads++;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
