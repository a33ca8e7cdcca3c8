/**
 * User-facing problems (bad input, refused plans), accumulated and printed together —
 * never thrown one at a time. Typed errors (see src/http/errors.ts) are for boundaries.
 */
/** A note says what was done for the user (a column read under another name); it never fails a run. */
export type Severity = "error" | "warning" | "note";

export interface Diagnostic {
  severity: Severity;
  /** Stable UPPER_SNAKE code, e.g. YAML_SYNTAX, SCHEMA_ADDITIONAL_PROPERTY, PUFFLE_DELAY_RANGE. */
  code: string;
  message: string;
  /** Path relative to the current directory when printed; absolute or relative when collected. */
  file?: string;
  line?: number;
  col?: number;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Stable order: file, line, col, code. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      a.code.localeCompare(b.code),
  );
}
