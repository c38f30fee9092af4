import { z } from 'zod';

export const InfraKindSchema = z.enum(['local', 'docker', 'external']);
export type InfraKind = z.infer<typeof InfraKindSchema>;
export type InfraChoice = InfraKind | 'auto';

/** What the rest of a run needs from the infrastructure stage. */
export interface Infra {
  kind: InfraKind;
  /** True when these services outlive this run (`couponbench up`, external URLs). */
  shared: boolean;
  /** Absent where the run issues on PostgreSQL and local infra started no MySQL. */
  mysqlUrl?: string;
  /** The first Redis node; strategies that need one Redis use this. */
  redisUrl: string;
  /** All independent Redis nodes (redlock uses several). */
  redisUrls: string[];
  /** A PostgreSQL server, where one was asked for (`--db postgres`, the test suite). */
  postgresUrl?: string;
  /** redisUrl names a node of a Redis Cluster: clients are ioredis Cluster clients. */
  redisCluster?: boolean;
  /** The daemons themselves, where this run started them (local infra): what faults act on. */
  processes?: InfraProcesses;
  down(): Promise<void>;
}

export interface InfraProcesses {
  mysqlPid?: number;
  /** The postmaster, where this run started a PostgreSQL. */
  postgresPid?: number;
  redisPids(): number[];
  /** Kill Redis node `index` and start it again on its port, empty (no persistence). */
  restartRedis(index: number): Promise<void>;
}

export interface InfraRequest {
  choice: InfraChoice;
  mysqlUrl?: string;
  redisUrl?: string;
  redisNodes: number;
  /** A PostgreSQL too (`--db postgres`): at this URL, else a private one started with the rest. */
  postgres?: { url?: string };
}

/** The MySQL URL of infra that must have one (everything but a --db postgres run). */
export function mysqlUrlOf(infra: Pick<Infra, 'mysqlUrl'>): string {
  if (!infra.mysqlUrl) throw new Error('this infra has no MySQL (it was started for --db postgres)');
  return infra.mysqlUrl;
}
