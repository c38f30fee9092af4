/** The database the embedded server issues on: `--db mysql` (MySQL or MariaDB, the default) or `--db postgres`. */
export const DATABASE_KINDS = ['mysql', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];
