/**
 * What a coupon costs in CPU: coupons the clients were told were issued, per CPU-second of the data
 * stores (the database and Redis processes) and of the whole machine, over the load's window. On a
 * CPU-bound machine this, not the ratio to a calibrated ceiling, says which design is cheaper.
 */
import type { CpuUsage } from '../cpu.js';
import { int } from './format.js';

/** The processes that store and decide: what a strategy spends on them is its database cost. */
const STORE = /^(mariadbd|mysqld|postgres|redis-server(#\d+)?)$/;

export interface CpuCost {
  /** Issued per CPU-second of the stores; absent when none was watched (a service's own database). */
  perStoreCpuS?: number;
  perMachineCpuS?: number;
}

export function cpuCost(issued: number, cpu: CpuUsage | null | undefined): CpuCost {
  if (!cpu || cpu.seconds <= 0) return {};
  const stores = cpu.components.filter((c) => STORE.test(c.name));
  const storeS = stores.reduce((s, c) => s + (c.percent / 100) * cpu.seconds, 0);
  const machineS = (cpu.machinePercent / 100) * cpu.seconds;
  return {
    ...(storeS > 0 ? { perStoreCpuS: issued / storeS } : {}),
    ...(machineS > 0 ? { perMachineCpuS: issued / machineS } : {}),
  };
}

/** "11,925 per CPU-second of the database and Redis · 5,699 of the whole machine" */
export function costLine(cost: CpuCost): string {
  const parts = [];
  if (cost.perStoreCpuS !== undefined) parts.push(`${int(cost.perStoreCpuS)} per CPU-second of the database and Redis`);
  if (cost.perMachineCpuS !== undefined) parts.push(`${int(cost.perMachineCpuS)} of the whole machine`);
  return parts.join(' · ');
}
