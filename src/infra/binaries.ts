import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Find an executable on PATH (and the sbin dirs, where distributions put mariadbd). */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SBIN_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export function firstAvailable(names: string[]): string | undefined {
  for (const name of names) {
    const found = which(name);
    if (found) return found;
  }
  return undefined;
}

export const MYSQL_SERVER_BINARIES = ['mariadbd', 'mysqld'];
export const REDIS_SERVER_BINARIES = ['redis-server'];

/** Where Debian keeps each PostgreSQL major version's server binaries (not on PATH). */
const POSTGRES_LIB = '/usr/lib/postgresql';

/** The directory holding `initdb` and `postgres`: on PATH, else the newest of /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string | undefined {
  const onPath = which('initdb');
  if (onPath && which('postgres')) return onPath.slice(0, onPath.lastIndexOf('/'));
  let majors: string[] = [];
  try {
    majors = readdirSync(POSTGRES_LIB).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  for (const major of majors) {
    const bin = join(POSTGRES_LIB, major, 'bin');
    try {
      accessSync(join(bin, 'initdb'), constants.X_OK);
      accessSync(join(bin, 'postgres'), constants.X_OK);
      return bin;
    } catch {
      /* an older or partial install: keep looking */
    }
  }
  return undefined;
}
