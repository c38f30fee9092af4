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
