export const int = (x: number) => Math.round(x).toLocaleString('en-US');
export const rate = (x: number) => `${x.toFixed(1)}/s`;

export function ms(x: number): string {
  if (x >= 10_000) return `${(x / 1000).toFixed(1)}s`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)}s`;
  if (x >= 100) return `${x.toFixed(0)}ms`;
  return `${x.toFixed(2)}ms`;
}

export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(2)}%` : '0.00%';
}

/** Socket error codes a reader may not know, said once where connection errors are counted. */
const CONN_ERROR_MEANINGS: Record<string, string> = {
  EMFILE: 'out of file descriptors: raise ulimit -n',
  ECONNREFUSED: 'nothing listening',
  ECONNRESET: 'reset by the peer',
  ECLOSED: 'closed by the server',
};

/** " (EMFILE 3,000: out of file descriptors: raise ulimit -n, ECONNREFUSED 2: ...)" or "" when no codes were counted. */
export function connErrorCodes(codes: Record<string, number> | undefined): string {
  const parts = Object.entries(codes ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code} ${int(n)}${CONN_ERROR_MEANINGS[code] ? `: ${CONN_ERROR_MEANINGS[code]}` : ''}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
