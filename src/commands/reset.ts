import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { targetDir, loadTarget } from '../service/file.js';
import { runReset } from '../service/reset.js';
import { readStockLeft, targetState } from '../system/service.js';
import { MAX_QUANTITY } from '../db/schema.js';
import { positiveIntAtMost } from './options.js';
import { say, withResources } from './session.js';

interface Flags {
  target: string;
  quantity: number;
  quiet?: boolean;
}

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description("run a target file's reset steps once and print the stock they leave (Q0): before several drivers load one service with run --no-reset")
    .requiredOption('-t, --target <file>', 'the target file')
    .requiredOption('--quantity <n>', 'the stock to reset to ({quantity} in the steps)', positiveIntAtMost(MAX_QUANTITY, 'coupons.quantity is an INT'))
    .option('-q, --quiet', 'print only Q0')
    .action(async (flags: Flags) => {
      process.exitCode = await reset(flags);
    });
}

async function reset(flags: Flags): Promise<number> {
  const loaded = await loadTarget(flags.target);
  const { target } = loaded;
  if (!target.reset) throw new UsageError(`${flags.target} has no reset steps`);
  const quantity = await withResources(Boolean(flags.quiet), async (hooks) => {
    const state = targetState(loaded, flags.quantity, hooks);
    const values = { couponId: target.couponId, quantity: flags.quantity };
    await runReset(target.reset!, state, values, targetDir(loaded), hooks.onEvent ?? (() => {}), hooks.resources);
    return (await readStockLeft(state, target, flags.quantity)).quantity;
  });
  process.stdout.write(`${quantity}\n`);
  if (!flags.quiet) say(`Q0 = ${quantity}: give it to \`couponbench audit --quantity ${quantity}\` if the parts' histories do not record it`);
  return 0;
}
