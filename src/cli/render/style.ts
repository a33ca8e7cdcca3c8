/** Minimal ANSI styling; every function is the identity when color is off. */
export interface Style {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  magenta(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function style(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return { green: id, yellow: id, red: id, magenta: id, bold: id, dim: id };
  }
  return { green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), magenta: wrap(35, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}

/** Compact JSON for a value in a one-line diff, shortened past `max` characters. */
export function showValue(v: unknown, max = 80): string {
  if (v === undefined) return "(unset)";
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
