import type { Command } from 'commander';
import chalk from 'chalk';
import { DATABASES } from '../db/index.js';
import { CEILING_SHAPES, type Calibration, type CeilingShape } from '../db/calibrate.js';
import { int } from '../report/format.js';
import { bringUpInfra } from '../run.js';
import { addInfraOptions, positiveInt, seconds, type InfraFlags } from './options.js';
import { infraRequest } from './runSetup.js';
import { say, withResources } from './session.js';

interface Flags extends InfraFlags {
  instances: number;
  poolSize: number;
  duration: number;
  json?: boolean;
  quiet?: boolean;
}

/** What each shape runs, for the table. */
export const SHAPE_STATEMENTS: Record<CeilingShape, string> = {
  'conditional-update': 'BEGIN; UPDATE coupons SET quantity = quantity - 1 WHERE id = ? AND quantity > 0; INSERT user_coupon; COMMIT',
  'select-for-update': 'BEGIN; SELECT quantity ... FOR UPDATE; INSERT user_coupon; UPDATE coupons SET quantity = ?; COMMIT',
};

export function registerCalibrate(program: Command): void {
  addInfraOptions(
    program
      .command('calibrate')
      .description('measure the hot-row ceiling: issuing transactions/s one coupon row takes straight through the database driver (mysql2, or node-postgres with --db postgres), no HTTP')
      .option('--instances <n>', 'server instances the runs use (connections = instances x pool size)', positiveInt, 2)
      .option('--pool-size <n>', 'MySQL connections per instance', positiveInt, 10)
      .option('--duration <d>', 'measured time per shape, e.g. 5s', seconds, 5)
      .option('--json', 'print the calibration as JSON')
      .option('-q, --quiet', 'no progress output'),
  ).action(async (flags: Flags) => {
    const calibration = await withResources(Boolean(flags.quiet || flags.json), async (hooks) => {
      const { infra: request, database, notes } = infraRequest(flags);
      if (!flags.quiet && !flags.json) notes.forEach(say);
      const infra = await bringUpInfra(request, hooks);
      const measured = { database, connections: flags.instances * flags.poolSize, durationS: flags.duration };
      const db = DATABASES[flags.db];
      return db.calibrate(db.serverUrlOn(infra), measured);
    });
    process.stdout.write(flags.json ? `${JSON.stringify(calibration, null, 2)}\n` : `${renderCalibration(calibration)}\n`);
  });
}

export function renderCalibration(c: Calibration): string {
  const lines = [chalk.bold(`hot-row ceiling at ${c.connections} connections (${c.durationS} s per shape, the raw driver, no HTTP)`)];
  for (const shape of CEILING_SHAPES) lines.push(`  ${shape.padEnd(20)} ${`${int(c.ceilings[shape])} tx/s`.padStart(12)}   ${chalk.dim(SHAPE_STATEMENTS[shape])}`);
  return lines.join('\n');
}
