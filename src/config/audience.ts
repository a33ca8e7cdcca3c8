/**
 * Audience files (docs/design.md §10, §17): the roster a campaign reaches, as CSV with a header row or
 * JSON Lines. CSV headers are the provider's own roster field names, headers that match one once case,
 * spaces and punctuation are ignored, or the headers `audience.columns` names; the delimiter (`,` `;`
 * tab) is detected from the header line. Read, parsed with a maintained CSV parser, checked against the
 * provider's roster rules and reported as located diagnostics, all at once.
 */
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import type { Diagnostic, Severity } from "../core/diagnostics.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { AudienceDecl, AudienceFileInfo, AudienceRow } from "../core/types.js";
import type { AudienceRules, CellOptions, KindModule } from "../providers/types.js";
import { LIMITS, readWorkspaceFile } from "./files.js";
import { invalidUtf8, makeDiagnostic, type Position } from "./source.js";
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
  /** `audience.columns`: provider field → CSV header. With it, a file's other columns are ignored. */
  columns?: Record<string, string>;
  /** `audience.defaultCountry`: national phone numbers are read as numbers of this country. */
  defaultCountry?: string;
  /** `audience.invalidRows`: error (default), or skip rows the provider would reject (listed as warnings). */
  invalidRows?: "error" | "skip";
  /** Where `audience.files[i]` (or `audience`, for i undefined) sits in the campaign file. */
  at(index?: number): Position | undefined;
  /** Where a key under `audience` sits (`["columns", "email"]`), when known. */
  atKey?(path: readonly string[]): Position | undefined;
}

export interface AudienceLoadOptions {
  /** The campaign file (absolute): files are relative to its directory. */
  campaignFile: string;
  /** Files must resolve (after symlinks) inside this directory: the workspace root. */
  rootDir: string;
  /** The kind whose roster rules read the files (a suppression list passes its own rules: src/config/suppression.ts). */
  kind: Pick<KindModule, "audience" | "displayName">;
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
  const keyError = (path: readonly string[], severity: Severity, code: string, message: string) =>
    diagnostics.push(makeDiagnostic(severity, code, message, opts.campaignFile, ref.atKey?.(path) ?? ref.at(undefined)));
  if (ref.columns) {
    for (const field of Object.keys(ref.columns)) {
      if (!columnKind(rules, field)) keyError(["columns", field], "error", "AUDIENCE_UNKNOWN_FIELD", unknownColumnMessage(rules, opts.kind.displayName, field).replace("unknown column", "unknown field"));
    }
    if (rules.identityColumns ? !rules.identityColumns.some((c) => c in ref.columns!) : !(identityColumn in ref.columns)) {
      keyError(["columns"], "error", "AUDIENCE_IDENTITY_COLUMN", `audience.columns names no column for ${identityColumn}, which identifies each row for this campaign's channel; add ${identityColumn}: "<header in the file>"`);
    }
  }
  const cellOptions: CellOptions = {};
  if (ref.defaultCountry !== undefined) {
    if (!rules.knowsCountry) keyError(["defaultCountry"], "warning", "AUDIENCE_OPTION_UNUSED", `defaultCountry has no effect: ${opts.kind.displayName} ${rules.noun} have no phone number column`);
    else if (!rules.knowsCountry(ref.defaultCountry)) keyError(["defaultCountry"], "error", "AUDIENCE_UNKNOWN_COUNTRY", `${JSON.stringify(ref.defaultCountry)} is not a country code with a known phone numbering plan (ISO 3166-1 alpha-2, e.g. MX, US, DE)`);
    else cellOptions.defaultCountry = ref.defaultCountry;
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  // How the files are read is part of what was applied: the same bytes read another way give other rows.
  const readingKey = ref.columns || ref.defaultCountry || ref.invalidRows === "skip" ? JSON.stringify([ref.columns ?? null, ref.defaultCountry ?? null, ref.invalidRows ?? "error"]) : undefined;
  const skip = ref.invalidRows === "skip";
  let skipped = 0;
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
      refError(index, "AUDIENCE_OUTSIDE_WORKSPACE", `audience file ${JSON.stringify(path)} resolves outside the workspace (the directory holding campaignctl.yaml); audience files must live in the workspace (or, with allowOutsideWorkspace: true, in its repository)`);
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
    const hash = createHash("sha256").update(bytes);
    if (readingKey !== undefined) hash.update(`\0campaignctl audience reading ${readingKey}`);
    const info: AudienceFileInfo = { path, file: abs, digest: hash.digest("hex").slice(0, 32), rows: 0 };
    files.push(info);

    let reported = 0;
    let suppressed = 0;
    let suppressedErrors = 0;
    const report = (severity: Severity, code: string, message: string, pos: Position) => {
      if (severity === "note") {
        diagnostics.push(makeDiagnostic(severity, code, message, abs, pos));
        return;
      }
      if (reported >= MAX_DIAGNOSTICS_PER_FILE) {
        suppressed += 1;
        if (severity === "error") suppressedErrors += 1;
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
      // Located: a Latin-1 or Windows-1252 export is valid up to its first accented letter.
      const bad = invalidUtf8(bytes);
      const what = bad ? `the byte ${bad.byte} is not valid UTF-8` : "it is not valid UTF-8";
      report("error", "AUDIENCE_ENCODING", `file is not UTF-8 text: ${what} (an export in Latin-1 or Windows-1252? save it as UTF-8 CSV or JSON Lines)`, bad?.pos ?? { line: 1, col: 1 });
      continue;
    }
    const skipRow = (pos: Position, why: string) => {
      skipped += 1;
      info.skipped = (info.skipped ?? 0) + 1;
      report("warning", "AUDIENCE_ROW_SKIPPED", `row left out (invalidRows: skip): ${why}`, pos);
    };
    const ctx: FileContext = {
      rules,
      identityColumn,
      spec: opts.spec,
      provider: opts.kind.displayName,
      options: cellOptions,
      ...(ref.columns ? { mapping: ref.columns } : {}),
      ...(skip ? { skipRow } : {}),
      report,
      accept,
      full: () => overLimitReported,
    };
    if (/\.jsonl$/i.test(path)) readJsonLines(text, ctx);
    else readCsv(text, ctx);
    if (suppressed > 0) {
      diagnostics.push(makeDiagnostic(suppressedErrors > 0 ? "error" : "warning", "AUDIENCE_TOO_MANY_PROBLEMS", `${suppressed} more problems in this file are not shown`, abs, { line: 1, col: 1 }));
    }
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { audience: { mode: ref.mode, files, rows, duplicates, ...(skipped > 0 ? { skipped } : {}) }, diagnostics };
}

/** Campaigns named in one merged diagnostic before the rest are counted. */
const MAX_CAMPAIGNS_NAMED = 10;

/**
 * The diagnostics of every campaign file, with those about an audience file several campaigns use
 * (same severity, code, place and message) merged into one that names the campaigns. A problem of
 * the campaign file itself (its own `audience.files[i]`) stays with that campaign.
 */
export function onePerSharedFile(results: readonly { file: string; address?: string; diagnostics: readonly Diagnostic[] }[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const merged = new Map<string, { diagnostic: Diagnostic; campaigns: string[] }>();
  for (const result of results) {
    for (const d of result.diagnostics) {
      if (result.address === undefined || d.file === undefined || d.file === result.file) {
        out.push(d);
        continue;
      }
      const key = JSON.stringify([d.file, d.line, d.col, d.severity, d.code, d.message]);
      const seen = merged.get(key);
      if (!seen) {
        const entry = { diagnostic: { ...d }, campaigns: [result.address] };
        merged.set(key, entry);
        out.push(entry.diagnostic);
      } else if (!seen.campaigns.includes(result.address)) {
        seen.campaigns.push(result.address);
      }
    }
  }
  for (const { diagnostic, campaigns } of merged.values()) {
    if (campaigns.length < 2) continue;
    const named = campaigns.slice(0, MAX_CAMPAIGNS_NAMED).join(", ");
    const more = campaigns.length > MAX_CAMPAIGNS_NAMED ? ` and ${campaigns.length - MAX_CAMPAIGNS_NAMED} more` : "";
    diagnostic.message += ` [file used by ${campaigns.length} campaigns: ${named}${more}]`;
  }
  return out;
}

interface FileContext {
  rules: AudienceRules;
  identityColumn: string;
  spec: JsonObject;
  provider: string;
  options: CellOptions;
  /** `audience.columns` (provider field → header), when given. */
  mapping?: Record<string, string>;
  /** Set with `invalidRows: skip`: a row the provider would reject is left out, with one warning. */
  skipRow?(pos: Position, why: string): void;
  report(severity: Severity, code: string, message: string, pos: Position): void;
  accept(line: number, identity: string, row: JsonObject, pos: Position): void;
  /** Past the documented row maximum (reported): the reader stops. */
  full(): boolean;
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

/** A header as compared loosely: lower case, letters and digits only ("First Name", "first_name" → "firstname"). */
function looseName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** The provider field a header names once case, spaces and punctuation are ignored, if exactly one. */
function looseField(rules: AudienceRules, header: string): string | undefined {
  const loose = looseName(header);
  if (loose === "") return undefined;
  const found = rules.columns.filter((c) => looseName(c) === loose);
  return found.length === 1 ? found[0] : undefined;
}

/** `"A", "B", "C" and 12 more`: a list that stays one readable line. */
function listNames(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  return names.length > max ? `${shown.join(", ")} and ${names.length - max} more` : shown.join(", ");
}

type Column = { group?: string; key: string; name: string };

/** The identity column, or one of several (AudienceRules.identityColumns: suppression lists). */
function isIdentity(ctx: FileContext, name: string): boolean {
  return name === ctx.identityColumn || (ctx.rules.identityColumns?.includes(name) ?? false);
}

/**
 * One row's cells → the provider's row object, or problems. Empty cells are left out. `posOf(i)`
 * locates cell i; it is called only when something is reported. With `invalidRows: skip`, a row with
 * problems is left out with one warning naming its first problem.
 */
function buildRow(ctx: FileContext, line: number, columns: readonly Column[], values: readonly (string | null | undefined)[], posOf: (i: number) => Position): void {
  const row: JsonObject = {};
  let identity: string | undefined;
  let problem: { pos: Position; message: string; more: number } | undefined;
  let identityAt = -1;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const value = values[i];
    if (isIdentity(ctx, column.name)) identityAt = i;
    if (value === null || value === undefined || value.trim() === "") continue;
    const result = ctx.rules.cell(column.name, value, ctx.spec, ctx.options);
    if ("code" in result) {
      if (!ctx.skipRow) ctx.report("error", result.code, result.message, posOf(i));
      if (problem) problem.more += 1;
      else problem = { pos: posOf(i), message: result.message, more: 0 };
      continue;
    }
    if (isIdentity(ctx, column.name)) identity = identity === undefined ? result.identity : `${identity}\n${result.identity}`;
    if (column.group) {
      const group = (row[column.group] ??= {}) as JsonObject;
      group[column.key] = result.value;
    } else {
      row[column.key] = result.value;
    }
  }
  if (problem) {
    ctx.skipRow?.(problem.pos, `${problem.message}${problem.more > 0 ? ` (and ${problem.more} more problem${problem.more === 1 ? "" : "s"} in this row)` : ""}`);
    return;
  }
  if (identity === undefined) {
    const pos = identityAt >= 0 ? posOf(identityAt) : { line, col: 1 };
    if (ctx.skipRow) ctx.skipRow(pos, `${ctx.identityColumn} is empty`);
    else ctx.report("error", "AUDIENCE_IDENTITY_MISSING", `${ctx.identityColumn} is empty; every ${ctx.provider} row needs it (${ctx.provider} would reject the row)`, pos);
    return;
  }
  ctx.accept(line, identity, row, { line, col: 1 });
}

type Delimiter = "," | ";" | "\t";

/** The delimiter of a CSV file: whichever of `,` `;` tab the header line (outside quotes) holds most; `,` when none. */
export function detectDelimiter(text: string): Delimiter {
  const end = text.indexOf("\n");
  const head = end < 0 ? text : text.slice(0, end);
  let quoted = false;
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  for (let i = 0; i < head.length; i++) {
    const ch = head.charCodeAt(i);
    if (ch === 34) quoted = !quoted;
    else if (quoted) continue;
    else if (ch === 44) commas += 1;
    else if (ch === 59) semicolons += 1;
    else if (ch === 9) tabs += 1;
  }
  if (tabs > commas && tabs > semicolons) return "\t";
  return semicolons > commas ? ";" : ",";
}

/** 1-based line and column where each field of a raw CSV record starts (the record starts at `line`). */
function fieldPositions(raw: string, line: number, delimiter: Delimiter): Position[] {
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
    } else if (ch === delimiter && !quoted) out.push({ line: l, col: col + 1 });
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

/** Thrown from csv-parse's on_record to stop reading a file whose rows are past the documented maximum. */
const STOP = Symbol("stop reading");

/**
 * Parse with csv-parse, one record at a time (`each` returns false to stop: the rest of the file is
 * never parsed, issue 30). Where each record starts: in a file without quotes (and without bare
 * carriage returns) every record is one non-empty line, so the lines are counted directly; otherwise
 * csv-parse's per-record info says (about three times slower, so only when needed).
 */
function csvEach(text: string, delimiter: Delimiter, each: (r: CsvRecord) => boolean): void {
  const options = { ...CSV_OPTIONS, delimiter };
  const run = (opts: import("csv-parse/sync").Options): void => {
    try {
      parseCsv(text, opts);
    } catch (err) {
      if (err !== STOP) throw err;
    }
  };
  if (!text.includes('"') && !/\r(?!\n)/.test(text)) {
    let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let line = 0;
    run({
      ...options,
      on_record: (fields: string[]) => {
        // The next non-empty line is this record.
        for (;;) {
          const end = text.indexOf("\n", at);
          const stop = end < 0 ? text.length : end;
          line += 1;
          const l = text.slice(at, stop);
          at = stop + 1;
          if (l === "" || l === "\r") continue;
          if (!each({ fields, line, raw: () => l.replace(/\r$/, "") })) throw STOP;
          return null;
        }
      },
    });
    return;
  }
  run({
    ...options,
    raw: true,
    info: true,
    on_record: (r: unknown) => {
      const { record, raw: rawText, info } = r as { record: string[]; raw: string; info: { lines: number } };
      const raw = rawText.replace(/^[\r\n]+/, "").replace(/[\r\n]+$/, "");
      let breaks = 0;
      for (let i = raw.indexOf("\n"); i >= 0; i = raw.indexOf("\n", i + 1)) breaks += 1;
      if (!each({ fields: record, line: info.lines - breaks, raw: () => raw })) throw STOP;
      return null;
    },
  });
}

/** Which header feeds which provider field: `use[j]` is the record field read as `columns[j]`. */
interface HeaderPlan {
  columns: Column[];
  use: number[];
  bad: boolean;
}

/** `audience.columns`: the named headers only; the others are ignored (one note). */
function mappedHeader(ctx: FileContext, mapping: Record<string, string>, names: readonly string[], headPos: (i: number) => Position, headLine: number): HeaderPlan {
  const plan: HeaderPlan = { columns: [], use: [], bad: false };
  for (const [field, header] of Object.entries(mapping)) {
    const kind = columnKind(ctx.rules, field);
    if (!kind) continue; // reported at the campaign file
    const at = names.indexOf(header.trim());
    if (at < 0) {
      const hint = closest(header, names);
      ctx.report("error", "AUDIENCE_MAPPED_COLUMN_MISSING", `audience.columns reads ${field} from ${JSON.stringify(header)}, but the header row has no such column${hint ? ` (did you mean "${hint}"?)` : ""}`, { line: headLine, col: 1 });
      plan.bad = true;
      continue;
    }
    if (names.indexOf(header.trim(), at + 1) >= 0) {
      ctx.report("error", "AUDIENCE_DUPLICATE_COLUMN", `column ${JSON.stringify(header)} appears twice in the header row (first as column ${at + 1}); audience.columns cannot tell which to read`, headPos(names.indexOf(header.trim(), at + 1)));
      plan.bad = true;
      continue;
    }
    plan.columns.push({ ...kind, name: field });
    plan.use.push(at);
  }
  const ignored = names.filter((_, i) => !plan.use.includes(i));
  if (ignored.length > 0) {
    ctx.report("note", "AUDIENCE_COLUMNS_IGNORED", `${ignored.length} column${ignored.length === 1 ? "" : "s"} not named in audience.columns ${ignored.length === 1 ? "is" : "are"} ignored: ${listNames(ignored)}`, { line: headLine, col: 1 });
  }
  return plan;
}

/** No `audience.columns`: every header must name a provider field, exactly or once case, spaces and punctuation are ignored (one note). */
function namedHeader(ctx: FileContext, names: readonly string[], headPos: (i: number) => Position, headLine: number): HeaderPlan {
  const plan: HeaderPlan = { columns: [], use: [], bad: false };
  const firstAt = new Map<string, number>();
  const loose: string[] = [];
  names.forEach((header, i) => {
    let name = header;
    let kind = columnKind(ctx.rules, name);
    if (!kind) {
      const field = looseField(ctx.rules, header);
      if (field) {
        name = field;
        kind = columnKind(ctx.rules, field);
        loose.push(`${JSON.stringify(header)} → ${field}`);
      }
    }
    if (!kind) {
      const message = header === "" ? `column ${i + 1} has no name in the header row` : `${unknownColumnMessage(ctx.rules, ctx.provider, header)} (or list the columns to read in audience.columns)`;
      ctx.report("error", "AUDIENCE_UNKNOWN_COLUMN", message, headPos(i));
      plan.bad = true;
    } else if (firstAt.has(name)) {
      ctx.report("error", "AUDIENCE_DUPLICATE_COLUMN", `column ${JSON.stringify(header)} appears twice in the header row (first as column ${firstAt.get(name)! + 1})`, headPos(i));
      plan.bad = true;
    } else {
      firstAt.set(name, i);
      plan.columns.push({ ...kind, name });
      plan.use.push(i);
    }
  });
  if (loose.length > 0) ctx.report("note", "AUDIENCE_COLUMNS_MAPPED", `header${loose.length === 1 ? "" : "s"} read as ${ctx.provider} field${loose.length === 1 ? "" : "s"}: ${loose.join(", ")}`, { line: headLine, col: 1 });
  return plan;
}

function readCsv(text: string, ctx: FileContext): void {
  const delimiter = detectDelimiter(text);
  const locator = (r: CsvRecord) => {
    let fields: Position[] | undefined;
    return (i: number): Position => (fields ??= fieldPositions(r.raw(), r.line, delimiter))[i] ?? { line: r.line, col: 1 };
  };
  let names: string[] | undefined;
  let plan: HeaderPlan | undefined;
  let direct = false;
  const each = (r: CsvRecord): boolean => {
    if (names === undefined) {
      names = r.fields.map((n) => n.trim());
      plan = ctx.mapping ? mappedHeader(ctx, ctx.mapping, names, locator(r), r.line) : namedHeader(ctx, names, locator(r), r.line);
      if (!plan.columns.some((c) => isIdentity(ctx, c.name))) {
        // With audience.columns, a missing identity mapping is reported at the campaign file (or as a missing header above).
        if (!ctx.mapping) ctx.report("error", "AUDIENCE_IDENTITY_COLUMN", `the header row has no ${JSON.stringify(ctx.identityColumn)} column, which identifies each row for this campaign's channel`, { line: r.line, col: 1 });
        return false;
      }
      // Header problems are reported once; the rows are still checked with the columns that are known (all problems at once).
      direct = plan.use.length === names.length && plan.use.every((u, j) => u === j);
      return true;
    }
    const p = plan!;
    if (r.fields.length !== names.length) {
      const message = `row has ${r.fields.length} fields, the header row has ${names.length}`;
      if (ctx.skipRow) ctx.skipRow({ line: r.line, col: 1 }, message);
      else ctx.report("error", "AUDIENCE_ROW_WIDTH", message, { line: r.line, col: 1 });
      return true;
    }
    const at = locator(r);
    if (direct) buildRow(ctx, r.line, p.columns, r.fields, at);
    else buildRow(ctx, r.line, p.columns, p.use.map((u) => r.fields[u]), (j) => at(p.use[j]!));
    // Past the documented row maximum (reported once, located): the rest of the file is not read.
    return !ctx.full();
  };
  try {
    csvEach(text, delimiter, each);
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number };
    const sep = delimiter === "\t" ? "tab" : delimiter === ";" ? "semicolon" : "comma";
    const known: Record<string, string> = {
      CSV_QUOTE_NOT_CLOSED: "a quoted field is never closed",
      CSV_INVALID_CLOSING_QUOTE: `a closing quote is followed by something other than a ${sep} or the end of the line`,
      CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: `a closing quote is followed by something other than a ${sep} or the end of the line`,
    };
    const message = known[e.code ?? ""] ?? (e.message ?? "invalid CSV").replace(/ at line \d+.*$/, "");
    const lowered = message.charAt(0).toLowerCase() + message.slice(1);
    ctx.report("error", "AUDIENCE_CSV_SYNTAX", `${lowered} (quote fields holding ${sep}s, quotes or line breaks with "…", and double inner quotes)`, { line: e.lines ?? 1, col: 1 });
    return;
  }
  if (names === undefined) {
    ctx.report("error", "AUDIENCE_EMPTY", `file is empty; expected a header row naming the columns (${ctx.identityColumn} at least)`, { line: 1, col: 1 });
  }
}

function readJsonLines(text: string, ctx: FileContext): void {
  const body = text.replace(/^\uFEFF/, "");
  let any = false;
  // One line at a time, never the whole file split up front; past the documented row maximum the rest is not read.
  for (let start = 0, i = 0; start <= body.length && !ctx.full(); i++) {
    const nl = body.indexOf("\n", start);
    const raw = body.slice(start, nl < 0 ? body.length : nl);
    start = nl < 0 ? body.length + 1 : nl + 1;
    jsonLine(raw, i);
  }
  if (!any) ctx.report("error", "AUDIENCE_EMPTY", "file is empty; expected one JSON object per line", { line: 1, col: 1 });

  function jsonLine(raw: string, i: number): void {
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
    if (!columns.some((c) => isIdentity(ctx, c.name))) {
      columns.push({ key: ctx.identityColumn, name: ctx.identityColumn });
      values.push(null);
      keys.push(ctx.identityColumn);
    }
    if (!bad) buildRow(ctx, line, columns, values, (i) => at(keys[i]!));
  }
}
