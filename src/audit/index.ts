/** The checker: the database (and Redis) against what the clients were told. */
export { checkFairness, countInversions, FairnessSchema, type FairnessResult } from './fairness.js';
export { IdentitySchema, reconcileByUser, type IdentityResult } from './identity.js';
export { AuditSchema, checkIntegrity, type AuditInput, type AuditResult, type Violation } from './integrity.js';
export { liveChecker, type LiveViolation, type LiveViolationKind } from './liveCheck.js';
export type { DbSnapshot } from './snapshot.js';
export { findWitnesses, StockReadingSchema, WitnessSchema, witnessSpan, type StockReading, type Witness } from './witness.js';
