import { defineConfig } from 'vitest/config';

/**
 * Files share one private MariaDB + Redis (test/globalSetup.ts), each on databases of its own (a
 * run owns its database). Most of a file's time is spent waiting on the processes it started, so
 * files run two at a time; the few that measure the driver's own timing run alone, afterwards,
 * so that another file's load cannot make them late.
 */
const ALONE = ['test/load/driver.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'side-by-side', include: ['test/**/*.test.ts'], exclude: ALONE, globalSetup: ['test/globalSetup.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, globalSetup: ['test/globalSetup.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
