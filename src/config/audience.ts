/**
 * Audience files (docs/design.md §10): the roster a campaign reaches, as CSV with a header row (the
 * provider's own roster field names) or JSON Lines. Read, parsed with a maintained CSV parser,
 * checked against the provider's roster rules and reported as located diagnostics, all at once.
 */
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import type { Diagnostic, Severity } from "../core/diagnostics.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { AudienceDecl, AudienceFileInfo, AudienceRow } from "../core/types.js";
import type { AudienceRules, KindModule } from "../providers/types.js";
import { LIMITS, readWorkspaceFile } from "./files.js";
import { makeDiagnostic, type Position } from "./source.js";
import { closest } from "../core/suggest.js";

type CsvParse = (text: string, options: import("csv-parse/sync").Options) => unknown;
let csvParse: CsvParse | undefined;
/** csv-parse, loaded the first time an audience file is read (keeps start-up fast for everything else). */
function parseCsv(text: string, options: import("csv-parse/sync").Options): unknown {
  csvParse ??= (createRequire(import.meta.url)("csv-parse/sync") as { parse: CsvParse }).parse;
  return csvParse(text, options);
}

/** What the campaign file says (already schema-checked). */
export interface AudienceReference {
  files: string[];
  mode: "append" | "exact";
  /** Where `audience.files[i]` (or `audience`, for i undefined) sits in the campaign file. */
  at(index?: number): Position | undefined;
}

export interface AudienceLoadOptions {
  /** The campaign file (absolute): files are relative to its directory. */
  campaignFile: string;
  /** Files must resolve (after symlinks) inside this directory: the workspace root. */
  rootDir: string;
  kind: KindModule;
  spec: JsonObject;
}

/** Problems reported per file before the rest are summed up in one line. */
const MAX_DIAGNOSTICS_PER_FILE = 500;

export async function loadAudience(ref: AudienceReference, opts: AudienceLoadOptions): Promise<{ audience?: AudienceDecl; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const rules = opts.kind.audience;
  const refError = (index: number | undefined, code: string, message: string) =>
    diagnostics.push(makeDiagnostic("error", code, message, opts.campaignFile, ref.at(index)));
  if (!rules) {
    refError(undefined, "AUDIENCE_UNSUPPORTED", `${opts.kind.displayName} campaigns have no roster API: remove audience`);
    return { diagnostics };
  }
  const identityColumn = rules.identityColumn(opts.spec);
  const root = await realpath(opts.rootDir).catch(() => resolve(opts.rootDir));
  const files: AudienceFileInfo[] = [];
  const rows: AudienceRow[] = [];
  const seen = new Map<string, { file: number; line: number }>();
  const seenFiles = new Map<string, number>();
  let duplicates = 0;
  let overLimitReported = false;

  for (const [index, path] of ref.files.entries()) {
    const abs = resolve(dirname(opts.campaignFile), path);
    let real: string;
    try {
      real = await realpath(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      refError(index, code === "ENOENT" ? "AUDIENCE_FILE_NOT_FOUND" : "AUDIENCE_FILE_UNREADABLE", `audience file ${JSON.stringify(path)} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code})`} (relative to this campaign file)`);
      continue;
    }
    const inside = relative(root, real);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside) || inside.split(sep)[0] === "..") {
      refError(index, "AUDIENCE_OUTSIDE_WORKSPACE", `audience file ${JSON.stringify(path)} resolves outside the workspace (the directory holding campaignctl.yaml); audience files must live in the repository`);
      continue;
    }
    const again = seenFiles.get(real);
    if (again !== undefined) {
      refError(index, "AUDIENCE_FILE_REPEATED", `audience file ${JSON.stringify(path)} is already listed as files[${again}]`);
      continue;
    }
    seenFiles.set(real, index);
    // Never blocks on a FIFO or device, never reads past the limit (the same guard as campaign files).
    const read = await readWorkspaceFile(real, { maxBytes: LIMITS.audienceFileBytes, what: "audience file" });
    if ("code" in read) {
      refError(index, read.code === "FILE_UNREADABLE" ? "AUDIENCE_FILE_UNREADABLE" : read.code, `audience file ${JSON.stringify(path)}: ${read.message}`);
      continue;
    }
    const bytes = Buffer.from(read.data.buffer, read.data.byteOffset, read.data.byteLength);
    const fileIndex = files.length;
    const info: AudienceFileInfo = { path, file: abs, digest: createHash("sha256").update(bytes).digest("hex").slice(0, 32), rows: 0 };
    files.push(info);

    let reported = 0;
    let suppressed = 0;
    const report = (severity: Severity, code: string, message: string, pos: Position) => {
      if (reported >= MAX_DIAGNOSTICS_PER_FILE) {
        suppressed += 1;
        return;
      }
      reported += 1;
      diagnostics.push(makeDiagnostic(severity, code, message, abs, pos));
    };
    const accept = (line: number, identity: string, row: JsonObject, pos: Position) => {
      info.rows += 1;
      const first = seen.get(identity);
      if (first) {
        duplicates += 1;
        const where = first.file === fileIndex ? `line ${first.line}` : `${files[first.file]!.path} line ${first.line}`;
        report("warning", "AUDIENCE_DUPLICATE", `same ${identityColumn} as ${where} (after ${opts.kind.displayName}'s normalisation); this row is skipped`, pos);
        return;
      }
      seen.set(identity, { file: fileIndex, line });
      if (rules.maxRows && rows.length >= rules.maxRows.limit) {
        if (!overLimitReported) {
          overLimitReported = true;
          report("error", "AUDIENCE_TOO_MANY_ROWS", `more than ${rules.maxRows.limit.toLocaleString("en-US")} ${rules.noun} for one campaign: ${rules.maxRows.why}`, pos);
        }
        return;
      }
      rows.push({ file: fileIndex, line, identity, row });
    };

    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      report("error", "AUDIENCE_ENCODING", "file is not UTF-8 text (save it as UTF-8 CSV or JSON Lines)", { line: 1, col: 1 });
      continue;
    }
    const ctx: FileContext = { rules, identityColumn, spec: opts.spec, provider: opts.kind.displayName, report, accept };
    if (/\.jsonl$/i.test(path)) readJsonLines(text, ctx);
    else readCsv(text, ctx);
    if (suppressed > 0) {
      diagnostics.push(makeDiagnostic("error", "AUDIENCE_TOO_MANY_PROBLEMS", `${suppressed} more problems in this file are not shown`, abs, { line: 1, col: 1 }));
    }
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { audience: { mode: ref.mode, files, rows, duplicates }, diagnostics };
}

interface FileContext {
  rules: AudienceRules;
  identityColumn: string;
  spec: JsonObject;
  provider: string;
  report(severity: Severity, code: string, message: string, pos: Position): void;
  accept(line: number, identity: string, row: JsonObject, pos: Position): void;
}

/** A column name: a plain roster field, or `<group>.<key>`. */
function columnKind(rules: AudienceRules, name: string): { group: string; key: string } | { key: string } | undefined {
  if (rules.columns.includes(name)) return { key: name };
  const dot = name.indexOf(".");
  if (dot > 0 && rules.groups.includes(name.slice(0, dot)) && name.length > dot + 1) return { group: name.slice(0, dot), key: name.slice(dot + 1) };
  return undefined;
}

function knownColumns(rules: AudienceRules): string {
  return [...rules.columns, ...rules.groups.map((g) => `${g}.<name>`)].join(", ");
}

function unknownColumnMessage(rules: AudienceRules, provider: string, name: string): string {
  const hint = closest(name, rules.columns);
  return `unknown column ${JSON.stringify(name)}${hint ? ` (did you mean "${hint}"?)` : ""}; ${provider} ${rules.noun} take ${knownColumns(rules)}`;
}

type Column = { group?: string; key: string; name: string };

/**
 * One row's cells → the provider's row object, or problems. Empty cells are left out. `posOf(i)`
 * locates cell i; it is called only when something is reported.
 */
function buildRow(ctx: FileContext, line: number, columns: readonly Column[], values: readonly (string | null)[], posOf: (i: number) => Position): void {
  const row: JsonObject = {};
  let identity: string | undefined;
  let bad = false;
  let identityAt = -1;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const value = values[i];
    if (column.name === ctx.identityColumn) identityAt = i;
    if (value === null || value === undefined || value.trim() === "") continue;
    const result = ctx.rules.cell(column.name, value, ctx.spec);
    if ("code" in result) {
      ctx.report("error", result.code, result.message, posOf(i));
      bad = true;
      continue;
    }
    if (column.name === ctx.identityColumn) identity = result.identity;
    if (column.group) {
      const group = (row[column.group] ??= {}) as JsonObject;
      group[column.key] = result.value;
    } else {
      row[column.key] = result.value;
    }
  }
  if (bad) return;
  if (identity === undefined) {
    const pos = identityAt >= 0 ? posOf(identityAt) : { line, col: 1 };
    ctx.report("error", "AUDIENCE_IDENTITY_MISSING", `${ctx.identityColumn} is empty; every ${ctx.provider} row needs it (${ctx.provider} would reject the row)`, pos);
    return;
  }
  ctx.accept(line, identity, row, { line, col: 1 });
}

/** 1-based line and column where each field of a raw CSV record starts (the record starts at `line`). */
function fieldPositions(raw: string, line: number): Position[] {
  const out: Position[] = [{ line, col: 1 }];
  let l = line;
  let col = 1;
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === "\n") {
      l += 1;
      col = 0;
    } else if (ch === "," && !quoted) out.push({ line: l, col: col + 1 });
    col += 1;
  }
  return out;
}

interface CsvRecord {
  fields: string[];
  /** Line the record starts on. */
  line: number;
  /** The record's text, for locating its fields (computed only when a problem is reported). */
  raw: () => string;
}

const CSV_OPTIONS = { relax_column_count: true, skip_empty_lines: true, bom: true } as const;

/**
 * Parse with csv-parse. Where each record starts: in a file without quotes every record is one
 * non-empty line, so the lines are counted directly; otherwise csv-parse's per-record info says
 * (about three times slower, so only when needed).
 */
function csvRecords(text: string): CsvRecord[] {
  if (!text.includes('"')) {
    const fields = parseCsv(text, CSV_OPTIONS) as string[][];
    const lines = text.replace(/^\uFEFF/, "").split("\n");
    const out: CsvRecord[] = [];
    let k = 0;
    for (let i = 0; i < lines.length && k < fields.length; i++) {
      const l = lines[i]!;
      if (l === "" || l === "\r") continue;
      const line = i + 1;
      out.push({ fields: fields[k++]!, line, raw: () => l.replace(/\r$/, "") });
    }
    if (k === fields.length) return out;
  }
  const records = parseCsv(text, { ...CSV_OPTIONS, raw: true, info: true }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
  return records.map((r) => {
    const raw = r.raw.replace(/^[\r\n]+/, "").replace(/[\r\n]+$/, "");
    let breaks = 0;
    for (let i = raw.indexOf("\n"); i >= 0; i = raw.indexOf("\n", i + 1)) breaks += 1;
    return { fields: r.record, line: r.info.lines - breaks, raw: () => raw };
  });
}

function readCsv(text: string, ctx: FileContext): void {
  let records: CsvRecord[];
  try {
    records = csvRecords(text);
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number };
    const known: Record<string, string> = {
      CSV_QUOTE_NOT_CLOSED: "a quoted field is never closed",
      CSV_INVALID_CLOSING_QUOTE: "a closing quote is followed by something other than a comma or the end of the line",
      CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "a closing quote is followed by something other than a comma or the end of the line",
    };
    const message = known[e.code ?? ""] ?? (e.message ?? "invalid CSV").replace(/ at line \d+.*$/, "");
    const lowered = message.charAt(0).toLowerCase() + message.slice(1);
    ctx.report("error", "AUDIENCE_CSV_SYNTAX", `${lowered} (quote fields holding commas, quotes or line breaks with "…", and double inner quotes)`, { line: e.lines ?? 1, col: 1 });
    return;
  }
  if (records.length === 0) {
    ctx.report("error", "AUDIENCE_EMPTY", `file is empty; expected a header row naming the columns (${ctx.identityColumn} at least)`, { line: 1, col: 1 });
    return;
  }
  const locator = (r: CsvRecord) => {
    let fields: Position[] | undefined;
    return (i: number): Position => (fields ??= fieldPositions(r.raw(), r.line))[i] ?? { line: r.line, col: 1 };
  };
  const head = records[0]!;
  const headPos = locator(head);
  const columns: Column[] = [];
  const names = head.fields.map((n) => n.trim());
  const firstAt = new Map<string, number>();
  let headerBad = false;
  names.forEach((name, i) => {
    const kind = columnKind(ctx.rules, name);
    if (!kind) {
      ctx.report("error", "AUDIENCE_UNKNOWN_COLUMN", name === "" ? `column ${i + 1} has no name in the header row` : unknownColumnMessage(ctx.rules, ctx.provider, name), headPos(i));
      headerBad = true;
    } else if (firstAt.has(name)) {
      ctx.report("error", "AUDIENCE_DUPLICATE_COLUMN", `column ${JSON.stringify(name)} appears twice in the header row (first as column ${firstAt.get(name)! + 1})`, headPos(i));
      headerBad = true;
    } else {
      firstAt.set(name, i);
    }
    columns.push({ ...(kind ?? { key: name }), name });
  });
  if (!firstAt.has(ctx.identityColumn)) {
    ctx.report("error", "AUDIENCE_IDENTITY_COLUMN", `the header row has no ${JSON.stringify(ctx.identityColumn)} column, which identifies each row for this campaign's channel`, { line: head.line, col: 1 });
    return;
  }
  // Unknown columns are reported once, in the header; the rows are still checked (all problems at once).
  if (headerBad) {
    const known = columns.map((c, i) => (columnKind(ctx.rules, c.name) && firstAt.get(c.name) === i ? i : -1)).filter((i) => i >= 0);
    for (let k = 1; k < records.length; k++) {
      const r = records[k]!;
      if (r.fields.length !== names.length) {
        ctx.report("error", "AUDIENCE_ROW_WIDTH", `row has ${r.fields.length} fields, the header row has ${names.length}`, { line: r.line, col: 1 });
        continue;
      }
      const at = locator(r);
      buildRow(ctx, r.line, known.map((i) => columns[i]!), known.map((i) => r.fields[i]!), (j) => at(known[j]!));
    }
    return;
  }
  for (let k = 1; k < records.length; k++) {
    const r = records[k]!;
    if (r.fields.length !== names.length) {
      ctx.report("error", "AUDIENCE_ROW_WIDTH", `row has ${r.fields.length} fields, the header row has ${names.length}`, { line: r.line, col: 1 });
      continue;
    }
    buildRow(ctx, r.line, columns, r.fields, locator(r));
  }
}

function readJsonLines(text: string, ctx: FileContext): void {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  let any = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const src = raw.replace(/\r$/, "");
    if (src.trim() === "") return;
    any = true;
    const pos = { line, col: 1 };
    let value: unknown;
    try {
      value = JSON.parse(src);
    } catch (err) {
      ctx.report("error", "AUDIENCE_JSON_SYNTAX", `invalid JSON: ${(err as Error).message}; each line must hold one JSON object`, pos);
      return;
    }
    if (!isJsonObject(value)) {
      ctx.report("error", "AUDIENCE_JSON_SYNTAX", "each line must hold one JSON object (one row)", pos);
      return;
    }
    const at = (key: string): Position => {
      const idx = src.indexOf(JSON.stringify(key));
      return { line, col: idx >= 0 ? idx + 1 : 1 };
    };
    const columns: Column[] = [];
    const values: (string | null)[] = [];
    const keys: string[] = [];
    let bad = false;
    const scalar = (v: JsonValue | undefined): string | null | undefined =>
      v === null || v === undefined ? null : typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
    for (const [key, v] of Object.entries(value)) {
      if (ctx.rules.groups.includes(key) && (isJsonObject(v) || v === null)) {
        for (const [k, inner] of Object.entries(v ?? {})) {
          const s = scalar(inner);
          if (s === undefined) {
            ctx.report("error", "AUDIENCE_BAD_VALUE", `${key}.${k} must be text, a number or true/false`, at(k));
            bad = true;
          } else {
            columns.push({ group: key, key: k, name: `${key}.${k}` });
            values.push(s);
            keys.push(k);
          }
        }
        continue;
      }
      const kind = columnKind(ctx.rules, key);
      if (!kind) {
        ctx.report("error", "AUDIENCE_UNKNOWN_COLUMN", unknownColumnMessage(ctx.rules, ctx.provider, key).replace("unknown column", "unknown field"), at(key));
        bad = true;
        continue;
      }
      const s = scalar(v);
      if (s === undefined) {
        ctx.report("error", "AUDIENCE_BAD_VALUE", `${key} must be text, a number or true/false`, at(key));
        bad = true;
        continue;
      }
      columns.push({ ...kind, name: key });
      values.push(s);
      keys.push(key);
    }
    if (!columns.some((c) => c.name === ctx.identityColumn)) {
      columns.push({ key: ctx.identityColumn, name: ctx.identityColumn });
      values.push(null);
      keys.push(ctx.identityColumn);
    }
    if (!bad) buildRow(ctx, line, columns, values, (i) => at(keys[i]!));
  });
  if (!any) ctx.report("error", "AUDIENCE_EMPTY", "file is empty; expected one JSON object per line", { line: 1, col: 1 });
}
