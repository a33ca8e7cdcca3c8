import { isAbsolute, relative } from "node:path";
import { sortDiagnostics, type Diagnostic } from "../../core/diagnostics.js";
import { escapeInvisible, printable } from "../../core/text.js";

export const DIAGNOSTIC_FORMATS = ["text", "json", "github"] as const;
export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

export interface RenderOptions {
  /** Printed paths are relative to this directory. */
  cwd: string;
  /** ANSI colours for the text format. */
  color?: boolean;
}

/** The file as printed: relative to cwd, with forward slashes. */
export function displayFile(file: string | undefined, cwd: string): string | undefined {
  if (file === undefined) return undefined;
  const shown = isAbsolute(file) ? relative(cwd, file) || "." : file;
  return shown.split("\\").join("/");
}

/** `path:line:col` (as much of it as is known). */
export function formatLocation(d: Diagnostic, cwd: string): string | undefined {
  const file = displayFile(d.file, cwd);
  if (file === undefined) return undefined;
  if (d.line === undefined) return file;
  return d.col === undefined ? `${file}:${d.line}` : `${file}:${d.line}:${d.col}`;
}

const RED = "\u001b[31m";
const YELLOW = "\u001b[33m";
const RESET = "\u001b[0m";

/** `path:line:col: error CODE message`, one per line, sorted by file and position. */
export function renderText(diags: readonly Diagnostic[], { cwd, color = false }: RenderOptions): string {
  return sortDiagnostics(diags)
    .map((d) => {
      // File names and messages may hold anything (a newline in a file name, a provider's text):
      // escaped, so one diagnostic is always one line and cannot forge `::error` workflow commands.
      const where = formatLocation(d, cwd);
      const severity = color ? `${d.severity === "error" ? RED : YELLOW}${d.severity}${RESET}` : d.severity;
      return `${where === undefined ? "" : `${printable(where)}: `}${severity} ${printable(d.code)} ${printable(d.message)}\n`;
    })
    .join("");
}

/** `validate --format json`'s document version (README "JSON documents"); bump it on any incompatible change. */
export const VALIDATE_FORMAT_VERSION = 1;

/**
 * `{ formatVersion, valid, errors, warnings, diagnostics }`: diagnostics a stable list, every entry with the
 * same keys in the same order (unknown parts null); `valid` is what the exit code says (no error).
 */
export function renderJson(diags: readonly Diagnostic[], { cwd }: RenderOptions): string {
  const diagnostics = sortDiagnostics(diags).map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: displayFile(d.file, cwd) ?? null,
    line: d.line ?? null,
    col: d.col ?? null,
  }));
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  return `${JSON.stringify({ formatVersion: VALIDATE_FORMAT_VERSION, valid: errors === 0, errors, warnings, diagnostics }, null, 2)}\n`;
}

/** GitHub Actions workflow commands: `::error file=…,line=…,col=…::CODE message`. */
export function renderGithub(diags: readonly Diagnostic[], { cwd }: RenderOptions): string {
  return sortDiagnostics(diags)
    .map((d) => {
      const props = [
        ["file", displayFile(d.file, cwd)],
        ["line", d.line],
        ["col", d.col],
      ]
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${escapeProperty(escapeInvisible(String(v)))}`)
        .join(",");
      return `::${d.severity === "note" ? "notice" : d.severity}${props ? ` ${props}` : ""}::${escapeData(escapeInvisible(`${d.code} ${d.message}`))}\n`;
    })
    .join("");
}

export function renderDiagnostics(diags: readonly Diagnostic[], format: DiagnosticFormat, options: RenderOptions): string {
  switch (format) {
    case "json":
      return renderJson(diags, options);
    case "github":
      return renderGithub(diags, options);
    case "text":
      return renderText(diags, options);
  }
}

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One line for stderr: "8 campaigns valid", "8 campaigns and 3 other objects valid, 1 warning" or
 * "3 errors, 1 warning in 2 files".
 */
export function summarize(diags: readonly Diagnostic[], campaignCount: number, otherCount = 0): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  if (errors === 0) {
    // Styles, contexts, topics (docs/design.md §11) are counted apart: "8 campaigns and 3 other objects valid".
    const valid = `${plural(campaignCount, "campaign")}${otherCount > 0 ? ` and ${plural(otherCount, "other object")}` : ""} valid`;
    return warnings === 0 ? valid : `${valid}, ${plural(warnings, "warning")}`;
  }
  const files = new Set(diags.map((d) => d.file).filter((f) => f !== undefined)).size;
  const counts = warnings === 0 ? plural(errors, "error") : `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  return files === 0 ? counts : `${counts} in ${plural(files, "file")}`;
}
