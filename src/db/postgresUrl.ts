import { UsageError } from '../errors.js';

/**
 * The database a PostgreSQL URL names, unless it is the server's own (postgres, template0/1), which
 * every URL names by default: then couponbench owns a database of its own (couponbench).
 */
export function postgresDatabaseOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`PostgreSQL URL "${text.replace(/:[^:@/]*@/, ':***@')}" is not a URL (expected postgres://user:password@host:5432/database)`);
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new UsageError(`PostgreSQL URL must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  const name = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  return name === '' || name === 'postgres' || /^template[01]$/.test(name) ? undefined : name;
}
