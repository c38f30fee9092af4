import type { Pool as MysqlPool } from 'mysql2/promise';
import type { Pool as PgPool } from 'pg';
import type { DbSnapshot } from '../audit/snapshot.js';
import type { CpuWatch } from '../cpu.js';
import type { Infra, InfraProcesses, InfraRequest } from '../infra/types.js';
import type { Calibration, CeilingShape } from './calibrate.js';
import type { DatabaseClaim } from './claim.js';
import type { DatabaseKind } from './kinds.js';
import type { SeededCoupon } from './seed.js';

export interface PrepareRequest {
  database: string;
  quantity: number;
  userPool: number;
  /** Also a pool of `quantity` codes (a strategy that issues codes: mysql-skip-locked, redis-pop). */
  codePool?: boolean;
}

export interface Prepared extends SeededCoupon {
  /** The server as reports name it: `MySQL 10.11.6-MariaDB…`, `PostgreSQL 15.8`. */
  version: string;
  usersInserted: number;
  seedMs: number;
}

export interface CalibrateRequest {
  database: string;
  connections: number;
  durationS: number;
  onShape?: (shape: CeilingShape, perSecond: number) => void;
}

/** The connections one server instance issues through; `mysql` refuses every call on a PostgreSQL run. */
export interface WorkerPools {
  mysql: MysqlPool;
  pg?: PgPool;
  end(): Promise<void>;
}

export interface StockReader {
  read(): Promise<number>;
  close(): Promise<void>;
}

/** What the command line gives for this database: its URL flag (or variable) turned into the infra request. */
export interface DatabaseFlags {
  mysqlUrl?: string;
  postgresUrl?: string;
}

/**
 * One database dialect couponbench issues on (`--db`): everything a run does that depends on which
 * it is. The rest of the code asks `DATABASES[kind]` and never branches on the kind.
 */
export interface IssueDatabase {
  kind: DatabaseKind;
  /** How reports and tables name it. */
  name: 'MySQL' | 'PostgreSQL';
  /** A strategy's fenced write (`--fencing`) is a statement of this dialect. */
  fencedWrites: boolean;
  /** The infra request and the database the URL flag names (undefined: couponbench's own), with notes to print. */
  request(flags: DatabaseFlags): { infra: Pick<InfraRequest, 'mysqlUrl' | 'postgres'>; named?: string; notes: string[] };
  /** This database's server on the infra; a one-line reason where the infra has none. */
  serverUrlOn(infra: Pick<Infra, 'mysqlUrl' | 'postgresUrl'>): string;
  /** Its server process, where this run started it, for the CPU table. */
  processOn(processes: InfraProcesses): CpuWatch | undefined;
  /** Own `database` from before the reset to after the audit: a second run on it is refused. */
  claim(serverUrl: string, database: string): Promise<DatabaseClaim>;
  /** Schema, a clean slate in our tables, users for the pool, and a fresh coupon of `quantity` units. */
  prepare(serverUrl: string, req: PrepareRequest): Promise<Prepared>;
  /** With `codePool`, the stock is the pool's free codes, and codes held twice are counted. */
  snapshot(databaseUrl: string, couponId: number, codePool?: boolean): Promise<DbSnapshot>;
  /** The stock left (the pool's free codes with `codePool`), read on one connection of its own while the load runs. */
  stockReader(databaseUrl: string, couponId: number, codePool?: boolean): StockReader;
  /** The hot-row ceiling of both shapes on a coupon of our own; our tables are left empty. */
  calibrate(serverUrl: string, req: CalibrateRequest): Promise<Calibration>;
  openPools(databaseUrl: string, size: number): WorkerPools;
}
