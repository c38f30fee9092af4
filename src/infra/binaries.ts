import { accessSync, constants } from 'node:fs';
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
