import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import type { Diagnostic } from "../core/diagnostics.js";
import { isJsonObject, pooledString, sharedSubtrees, type JsonObject } from "../core/json.js";
import { addressOf, type ResourceDecl, type SourceLocation } from "../core/types.js";
import { kindModule } from "../providers/registry.js";
import type { SpecCheckContext } from "../providers/types.js";
import type { AudienceReference } from "./audience.js";
import { explainSchemaErrors } from "./schema-errors.js";
import { LIMITS } from "./files.js";
import { validateCampaignSchema } from "./schemas.js";
import { FastSourceUnsure, parseYamlFast } from "./fast-yaml.js";
import { parsesWithoutDiagnostics, scannedSource, type DocSource } from "./parse.js";
import { decodeText, makeDiagnostic, parseYamlMapping, type DocPath, type Position, type Target, type YamlSource } from "./source.js";

export const DEFAULT_ACCOUNT = "default";

/** ajv errors looked at per document (the keys-per-mapping limit keeps real counts far below). */
const MAX_SCHEMA_ERRORS = 2000;

export interface CampaignCheckInput {
  /** The file the document came from, as diagnostics should name it. */
  file: string;
  /** The parsed document (plain JSON-like value). */
  value: unknown;
  /** Source positions; without it (a document built in memory) diagnostics carry no line/col. */
  source?: Pick<YamlSource, "locate" | "start">;
}

export interface CampaignCheckResult {
  /** Present when the document has no errors (warnings allowed). */
  decl?: ResourceDecl;
  diagnostics: Diagnostic[];
  /** The top-level `audience` as written, when the document has one (its files are read by the loader). */
  audience?: AudienceReference;
  /**
   * When the document has errors but its kind, account and name are sound: the declaration as far as
   * it goes (spec without the fields the schema rejects), so the loader still reads its audience files
   * and checks its references and workspace rules in the same run (every problem at once). Never planned.
   */
  partial?: ResourceDecl;
}

/**
 * Validates one already-parsed campaign document: the JSON Schema (envelope + the spec of its kind),
 * then the provider's offline rules. Workspace rules (duplicate addresses, unknown accounts) are the
 * caller's: see loadWorkspace.
 */
export function checkCampaignDocument({ file, value, source }: CampaignCheckInput): CampaignCheckResult {
  const diagnostics: Diagnostic[] = [];
  const at = (path: DocPath, target: Target = "value"): Position | undefined => source?.locate(path, target);

  const issues = explainSchemaErrors(validateCampaignSchema(value).slice(0, MAX_SCHEMA_ERRORS), value);
  for (const issue of issues.slice(0, LIMITS.diagnosticsPerFile)) diagnostics.push(makeDiagnostic("error", issue.code, issue.message, file, at(issue.path, issue.target)));
  if (issues.length > LIMITS.diagnosticsPerFile) {
    const more = issues.length - LIMITS.diagnosticsPerFile;
    diagnostics.push(makeDiagnostic("error", "TOO_MANY_PROBLEMS", `${more} more problem${more === 1 ? "" : "s"} in this file not listed (the first ${LIMITS.diagnosticsPerFile} are shown)`, file, at([])));
  }

  if (!isJsonObject(value)) return { diagnostics };
  const found = typeof value.kind === "string" ? kindModule(value.kind) : undefined;
  const provider = found?.provider;
  const kind = found?.kind;
  const spec = value.spec;
  const specIsValid = !issues.some((i) => i.path[0] === "spec") && isJsonObject(spec);
  if (kind && isJsonObject(spec)) {
    // The provider's rules run together with the schema, so one run reports everything: on the
    // fields without a schema error (a field the schema rejects is reported by the schema only).
    const broken = new Set(issues.filter((i) => i.path[0] === "spec" && i.path.length > 1).map((i) => String(i.path[1])));
    const checked: JsonObject = {};
    for (const [k, v] of Object.entries(spec)) if (!broken.has(k)) checked[k] = v;
    const ruleDiagnostics: Diagnostic[] = [];
    const ctx: SpecCheckContext = {
      report(path, code, message, severity = "error", target = "value") {
        ruleDiagnostics.push(makeDiagnostic(severity, code, message, file, at(["spec", ...path], target)));
      },
    };
    try {
      kind.validateSpec(checked, ctx);
      diagnostics.push(...ruleDiagnostics);
    } catch {
      // A rule written for schema-valid input tripped over a broken one: the schema errors stand alone.
      if (specIsValid) throw new Error(`provider rules failed on a schema-valid spec in ${file}`);
    }
  }

  // An audience is who a campaign reaches (docs/design.md §10): a style, context or topic has none.
  if (kind && !kind.audience && value.audience !== undefined) {
    diagnostics.push(makeDiagnostic("error", "AUDIENCE_NOT_ALLOWED", `audience belongs to campaigns; a ${kind.kind} has no roster: remove it`, file, at(["audience"], "key")));
  }
  if (!provider || !kind || !isJsonObject(spec)) return { diagnostics };
  const metadata = value.metadata;
  if (!isJsonObject(metadata) || typeof metadata.name !== "string" || issues.some((i) => i.path[0] === "metadata")) return { diagnostics };
  const name = metadata.name;
  const account = typeof metadata.account === "string" ? metadata.account : DEFAULT_ACCOUNT;
  const start = source?.start() ?? { line: 1, col: 1 };
  const sound = !issues.some((i) => i.path[0] === "audience") && isJsonObject(value.audience);
  const audience = sound ? audienceReference(value.audience as JsonObject, at) : undefined;
  const complete = specIsValid && !diagnostics.some((d) => d.severity === "error");
  const decl: ResourceDecl = {
    address: addressOf(provider.id, account, name, kind.short),
    provider: provider.id,
    account,
    kind: kind.kind,
    name,
    spec: complete ? (spec as JsonObject) : soundFields(spec, issues),
    source: { file, ...start },
    locate: (path) => ({ file, ...(source?.locate(path) ?? start) }),
    ...(Array.isArray(metadata.ignoreChanges) && metadata.ignoreChanges.length > 0 ? { ignoreChanges: metadata.ignoreChanges as string[] } : {}),
  };
  return { ...(complete ? { decl } : { partial: decl }), diagnostics, ...(audience ? { audience } : {}) };
}

/** The spec without the top-level fields the schema rejects (what the partial declaration keeps). */
function soundFields(spec: JsonObject, issues: readonly { path: readonly (string | number)[] }[]): JsonObject {
  const broken = new Set(issues.filter((i) => i.path[0] === "spec" && i.path.length > 1).map((i) => String(i.path[1])));
  return Object.fromEntries(Object.entries(spec).filter(([k]) => !broken.has(k)));
}

function audienceReference(raw: JsonObject, at: (path: DocPath, target?: Target) => Position | undefined): AudienceReference {
  const columns = isJsonObject(raw.columns) ? Object.fromEntries(Object.entries(raw.columns).filter((e): e is [string, string] => typeof e[1] === "string")) : undefined;
  return {
    files: (raw.files as string[]) ?? [],
    mode: raw.mode === "exact" ? "exact" : "append",
    ...(columns ? { columns } : {}),
    ...(typeof raw.defaultCountry === "string" ? { defaultCountry: raw.defaultCountry } : {}),
    ...(raw.invalidRows === "skip" ? { invalidRows: "skip" as const } : {}),
    at: (index) => (index === undefined ? at(["audience"], "key") : at(["audience", "files", index])),
    atKey: (path) => at(["audience", ...path], "key"),
  };
}

/**
 * Parses campaign YAML text (one document) and validates it: what `import` checks before writing a file.
 * One parse per file whatever its diagnostics: the fast scan (./fast-yaml.ts) gives the value and the
 * positions of its nodes; the positional parser runs instead only when the fast scan does not vouch
 * for the file (a construct it declines, or a YAML warning or size limit the positional parser would
 * report), or when a diagnostic points where the scan cannot be sure (FastSourceUnsure), so every
 * message and position is the positional parser's.
 */
export function checkCampaignText(text: string, file: string, opts: { reread?: boolean } = {}): CampaignCheckResult {
  const kept: KeptText = opts.reread ? checksumOf(text) : text;
  const fast = parseYamlFast(text);
  if (fast) {
    let result: CampaignCheckResult | undefined;
    try {
      result = checkCampaignDocument({ file, value: detachStrings(fast.value), source: fast.source });
    } catch (err) {
      if (!(err instanceof FastSourceUnsure)) throw err;
    }
    // The size limits hold for every file, clean or not (the positional parser reports them first, alone).
    if (result && parsesWithoutDiagnostics(text, file, fast.value)) return finish(result, [], kept, file);
  }
  const parsed = parseYamlMapping(text, file);
  if (parsed.value === undefined) return { diagnostics: parsed.diagnostics };
  const result = checkCampaignDocument({ file, value: detachStrings(parsed.value), ...(parsed.source ? { source: parsed.source } : {}) });
  return finish(result, parsed.diagnostics, kept, file);
}

function finish(result: CampaignCheckResult, parseDiagnostics: readonly Diagnostic[], kept: KeptText, file: string): CampaignCheckResult {
  const diagnostics = [...parseDiagnostics, ...result.diagnostics];
  const found = result.decl ?? result.partial;
  if (!found) return { diagnostics };
  const decl = withLazySource(found, kept, file);
  const audience = result.audience ? { audience: locatedAudience(result.audience, decl) } : {};
  // A file holding several documents is an error even when the first one is fine.
  if (!result.decl || diagnostics.some((d) => d.severity === "error")) return { diagnostics, partial: decl, ...audience };
  return { decl, diagnostics, ...audience };
}

/**
 * What a declaration keeps of its file's text for positions asked later: the text itself (a document
 * that is not on disk, e.g. import's), or only a checksum of it (a file read from disk: it is read again
 * when a position is asked for, see textAgain).
 */
type KeptText = string | number;

/**
 * The text a declaration was validated from: kept, or `file` read again; undefined when the file no
 * longer holds that text (positions would then be wrong: the caller falls back to the document's start).
 */
function textAgain(kept: KeptText, file: string): string | undefined {
  if (typeof kept === "string") return kept;
  try {
    const now = decodeText(readFileSync(file), file).text;
    return now !== undefined && checksumOf(now) === kept ? now : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CRC-32 of the text, as a small integer (stored in the declaration's closure with no object of its own;
 * issue 30: a SHA-256 digest string per campaign was 6 MB at 100,000 campaigns). It only tells whether
 * the file changed during the run, for positions; no one chooses its contents to collide.
 */
function checksumOf(text: string): number {
  return crc32(text) | 0;
}

/**
 * The parsed value with every long string copied out of the file's text: the parsers return slices of
 * it (V8 keeps the whole text alive for each slice), and a declaration outlives its text. Short
 * strings are pooled (pooledString): campaigns repeat the same times, ids and statuses.
 */
function detachStrings<T>(value: T): T {
  if (typeof value === "string") return pooledString(value, detach) as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detachStrings(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (v !== null && (typeof v === "object" || typeof v === "string")) record[key] = detachStrings(v);
  }
  return value;
}

/**
 * A copy of `s` that shares no storage with the text it was cut from. Short strings are already copies;
 * a longer one is a slice of its parent, and JSON.parse(JSON.stringify(s)) makes a new flat string of
 * exactly the same characters (lone surrogates included) without the 32-byte slice header that a
 * slice of a copy would keep (issue 30).
 */
function detach(s: string): string {
  return s.length < SLICE_MIN ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** V8 copies substrings shorter than this; longer ones are slices of their parent. */
const SLICE_MIN = 13;

/** Audience positions through the campaign's (lazily built) source positions. */
function locatedAudience(ref: AudienceReference, decl: ResourceDecl): AudienceReference {
  const located = (path: DocPath): Position | undefined => {
    const where = decl.locate?.(path);
    return where ? { line: where.line, col: where.col } : undefined;
  };
  return {
    ...ref,
    at: (index) => located(index === undefined ? ["audience"] : ["audience", "files", index]),
    atKey: (path) => located(["audience", ...path]),
  };
}

/**
 * Keep neither the syntax tree (about 17 KB per campaign) nor, for a file read from disk, the text
 * (issue 30: at 100,000 campaigns the texts alone were 170 MB): later positions are rare, so the
 * text is read again (digest-checked, see textAgain) and scanned the first time one is asked for
 * (the fast scan; the positional parser where the scan is not sure). When the text cannot be had
 * again, positions fall back to the document's start. One closure per declaration holds all of it.
 * The spec is kept compact, its short subtrees shared with other declarations (sharedSubtrees).
 */
function withLazySource(decl: ResourceDecl, kept: KeptText, file: string): ResourceDecl {
  const where: SourceLocation = { file, line: decl.source.line, col: decl.source.col };
  let source: DocSource | undefined | null;
  const locate = (path: DocPath): SourceLocation => {
    if (source === undefined) {
      const now = textAgain(kept, file);
      if (now === undefined) source = null;
      else {
        const scan = parseYamlFast(now)?.source;
        source = scan ? scannedSource(scan, () => parseYamlMapping(now, file).source) : (parseYamlMapping(now, file).source ?? null);
      }
    }
    return { file, ...(source?.locate(path) ?? { line: where.line, col: where.col }) };
  };
  return { ...decl, spec: sharedSubtrees(decl.spec), source: where, locate };
}
