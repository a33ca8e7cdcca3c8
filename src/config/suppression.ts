/**
 * SuppressionList (docs/design.md §15): files of people and companies that must never be contacted, read
 * with the audience reader (./audience.ts: same parser, delimiters, encodings, limits and column mapping)
 * under rules of their own, and applied to every campaign's audience rows before anything is planned.
 * Entries stay in memory: state, plans and logs get digests, counts and masked identities only.
 */
import { createHash } from "node:crypto";
import type { Diagnostic } from "../core/diagnostics.js";
import { isJsonObject, type JsonObject } from "../core/json.js";
import { maskIdentity } from "../core/audience.js";
import { SUPPRESSED_SAMPLES, suppressedLine, suppressingLists, type AudienceSuppression, type SuppressionEntries, type SuppressionIndex } from "../core/suppression.js";
import { addressOf, type ResourceDecl } from "../core/types.js";
import { kindModuleOf } from "../providers/registry.js";
import { e164, emailCell, knowsCountry, linkedinCell, quote } from "../providers/roster-cells.js";
import type { AudienceRules } from "../providers/types.js";
import { loadAudience } from "./audience.js";
import { explainSchemaErrors } from "./schema-errors.js";
import { validateSuppressionListSchema } from "./schemas.js";
import { makeDiagnostic, type DocPath, type Position, type Target, type YamlSource } from "./source.js";

export const SUPPRESSION_LIST_KIND = "SuppressionList";

const COLUMNS = ["email", "domain", "phone", "linkedin_url"] as const;

/** Whether a parsed document is a SuppressionList (the loader's switch). */
export function isSuppressionList(value: unknown): value is JsonObject {
  return isJsonObject(value) && value.kind === SUPPRESSION_LIST_KIND;
}

/** A domain as Puffle stores blocked companies (lower-cased, protocol and `www.` stripped), or undefined. */
export function normaliseDomain(value: string): string | undefined {
  const d = value.trim().toLowerCase().replace(/^[a-z]+:\/\//, "").replace(/^www\./, "").replace(/\/.*$/, "");
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d) ? d : undefined;
}

/** The roster rules a suppression list's files are read with: any of the four columns identifies a row. */
export const SUPPRESSION_RULES: AudienceRules = {
  noun: "entries",
  columns: COLUMNS,
  groups: [],
  identityColumn: () => "email, domain, phone or linkedin_url",
  identityColumns: COLUMNS,
  cell(column, value, _spec, { defaultCountry }) {
    if (column === "email") {
      const r = emailCell(value);
      return "code" in r ? r : { value: r.identity!, identity: `email:${r.identity!}` };
    }
    if (column === "linkedin_url") {
      const r = linkedinCell(value);
      return "code" in r ? r : { value: r.value, identity: `linkedin_url:${r.identity!}` };
    }
    if (column === "phone") {
      const r = e164(value, defaultCountry, "spec.defaultCountry");
      return "why" in r ? { code: "SUPPRESSION_INVALID_PHONE", message: `${quote(value.trim())} is ${r.why}` } : { value: r.number, identity: `phone:${r.number}` };
    }
    const d = normaliseDomain(value);
    return d === undefined ? { code: "SUPPRESSION_INVALID_DOMAIN", message: `${quote(value.trim())} is not a domain name (expected e.g. acme.com)` } : { value: d, identity: `domain:${d}` };
  },
  knowsCountry,
  batchSize: 0,
  writableIn: [],
  writeBlocked: "",
  removableIn: [],
  removeBlocked: "",
};

/** One SuppressionList file, read and checked. */
export interface SuppressionListDecl {
  name: string;
  file: string;
  entries: SuppressionEntries;
  /** Digest of the list's files (bytes and reading options). */
  digest: string;
  /** Absolute paths of the list's files (what `shards --changed` watches; never their contents). */
  files: string[];
  /** `spec.sync.puffle`: the Puffle account whose blocked companies follow the list's domains. */
  sync?: { puffle: string };
  /** The managed object the sync makes (kind PuffleBlockedCompanies), planned like any other. */
  syncDecl?: ResourceDecl;
  locate(path: DocPath, target?: Target): Position | undefined;
}

/** Checks a parsed SuppressionList document and reads its files with the audience reader. */
export async function checkSuppressionList(value: JsonObject, file: string, source: YamlSource | undefined, rootDir: string): Promise<{ list?: SuppressionListDecl; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const at = (path: DocPath, target: Target = "value"): Position | undefined => source?.locate(path, target);
  const issues = explainSchemaErrors(validateSuppressionListSchema(value), value);
  for (const issue of issues) diagnostics.push(makeDiagnostic("error", issue.code, issue.message, file, at(issue.path, issue.target)));
  if (issues.length > 0) return { diagnostics };
  const metadata = value.metadata as JsonObject;
  const spec = value.spec as JsonObject;
  const name = metadata.name as string;
  const loaded = await loadAudience(
    {
      files: spec.files as string[],
      mode: "append",
      ...(isJsonObject(spec.columns) ? { columns: spec.columns as Record<string, string> } : {}),
      ...(typeof spec.defaultCountry === "string" ? { defaultCountry: spec.defaultCountry } : {}),
      at: (index) => (index === undefined ? at(["spec"], "key") : at(["spec", "files", index])),
      atKey: (path) => at(["spec", ...path], "key"),
    },
    { campaignFile: file, rootDir, kind: { displayName: "Suppression list", audience: SUPPRESSION_RULES }, spec },
  );
  diagnostics.push(...loaded.diagnostics.map(inListWords));
  if (!loaded.audience) return { diagnostics };
  const sets = { email: new Set<string>(), domain: new Set<string>(), phone: new Set<string>(), linkedin_url: new Set<string>() };
  for (const r of loaded.audience.rows) for (const c of COLUMNS) if (typeof r.row[c] === "string") sets[c].add(r.row[c] as string);
  const hash = createHash("sha256");
  for (const f of loaded.audience.files) hash.update(`${f.path}\0${f.digest}\0`);
  const sync = isJsonObject(spec.sync) && typeof spec.sync.puffle === "string" ? { puffle: spec.sync.puffle } : undefined;
  const syncDecl = sync ? blockedCompaniesDecl(name, sync.puffle, [...sets.domain].sort(), file, at) : undefined;
  return {
    list: { name, file, entries: { name, ...sets }, digest: hash.digest("hex").slice(0, 32), files: loaded.audience.files.map((f) => f.file), ...(sync ? { sync, syncDecl } : {}), locate: at },
    diagnostics,
  };
}

/**
 * `sync: { puffle: <account> }`: the account's blocked companies as a managed object of the registry's kind
 * PuffleBlockedCompanies (src/providers/puffle/blocked-companies.ts), addressed `puffle/<account>/blocked-companies/<list>`:
 * plan, apply, drift and state treat it like any object. Its spec holds the list's domains, nothing personal.
 */
function blockedCompaniesDecl(list: string, account: string, domains: string[], file: string, at: (path: DocPath, target?: Target) => Position | undefined): ResourceDecl {
  const { provider, kind } = kindModuleOf("PuffleBlockedCompanies");
  const start = at([]) ?? { line: 1, col: 1 };
  return {
    address: addressOf(provider.id, account, list, kind.short),
    provider: provider.id,
    account,
    kind: kind.kind,
    name: list,
    spec: { entries: domains.map((domain) => ({ domain })) },
    source: { file, ...start },
    // Every spec path points at the list's sync setting (the domains come from its files).
    locate: (path) => ({ file, ...((path[0] === "metadata" ? at(["metadata", "name"]) : path[0] === "spec" ? at(["spec", "sync", "puffle"]) : undefined) ?? start) }),
  };
}

/** The reader's words name audience files, settings and campaigns; a list's diagnostics name the list's (chosen by code). */
function inListWords(d: Diagnostic): Diagnostic {
  if (d.code === "AUDIENCE_IDENTITY_COLUMN") return { ...d, message: "the header row has none of the columns email, domain, phone, linkedin_url; a suppression list file needs at least one" };
  if (d.code === "AUDIENCE_IDENTITY_MISSING") return { ...d, message: "this row has none of email, domain, phone, linkedin_url; every suppression list row needs at least one" };
  const message = d.message
    .replace(/\baudience file\b/g, "suppression list file")
    .replace(/\baudience\.(columns|defaultCountry)\b/g, "spec.$1")
    .replace("this campaign file", "this suppression list file");
  return message === d.message ? d : { ...d, message };
}

/** One digest over every list (sorted by name): what each audience records, so any edit re-reads the rosters. */
export function suppressionIndex(lists: readonly SuppressionListDecl[]): SuppressionIndex | undefined {
  if (lists.length === 0) return undefined;
  const sorted = [...lists].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash("sha256");
  for (const l of sorted) hash.update(`${l.name}\0${l.digest}\0`);
  return { lists: sorted.map((l) => l.entries), digest: hash.digest("hex").slice(0, 32) };
}

/** Duplicate list names (the name labels the plan's counts): located errors. */
export function duplicateLists(lists: readonly SuppressionListDecl[], rel: (p: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, SuppressionListDecl>();
  const synced = new Map<string, SuppressionListDecl>();
  for (const l of lists) {
    if (l.sync) {
      const owner = synced.get(l.sync.puffle);
      if (owner) {
        out.push(makeDiagnostic("error", "SUPPRESSION_SYNC_TWICE", `Puffle account "${l.sync.puffle}" already follows suppression list "${owner.name}" (${rel(owner.file)}); an account has one set of blocked companies: sync it from one list`, l.file, l.locate(["spec", "sync", "puffle"])));
      } else synced.set(l.sync.puffle, l);
    }
    const first = seen.get(l.name);
    if (!first) {
      seen.set(l.name, l);
      continue;
    }
    out.push(makeDiagnostic("error", "DUPLICATE_SUPPRESSION_LIST", `suppression list "${l.name}" is already defined in ${rel(first.file)}; list names must be unique in the workspace`, l.file, l.locate(["metadata", "name"])));
  }
  return out;
}

/**
 * Every campaign's audience without the rows a list matches (docs/design.md §15), with what was left out
 * (counts per list and file, masked identities), and one note per campaign and file naming the counts.
 */
export function applySuppression(campaigns: readonly ResourceDecl[], index: SuppressionIndex | undefined): { campaigns: ResourceDecl[]; diagnostics: Diagnostic[] } {
  if (!index) return { campaigns: [...campaigns], diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const out = campaigns.map((decl) => {
    const audience = decl.audience;
    const suppressAs = audience ? kindModuleOf(decl.kind).kind.audience?.suppressAs : undefined;
    if (!audience || !suppressAs) return decl;
    const kept: typeof audience.rows = [];
    const suppressed: AudienceSuppression = { digest: index.digest, rows: 0, lists: {}, files: [], samples: [] };
    const perFile = new Map<number, { rows: number; lists: Record<string, number> }>();
    for (const r of audience.rows) {
      const lists = suppressingLists(index, r.row, suppressAs);
      if (lists.length === 0) {
        kept.push(r);
        continue;
      }
      suppressed.rows += 1;
      if (suppressed.samples.length < SUPPRESSED_SAMPLES) suppressed.samples.push(maskIdentity(r.identity));
      const f = perFile.get(r.file) ?? { rows: 0, lists: {} };
      perFile.set(r.file, f);
      f.rows += 1;
      for (const l of lists) {
        suppressed.lists[l] = (suppressed.lists[l] ?? 0) + 1;
        f.lists[l] = (f.lists[l] ?? 0) + 1;
      }
    }
    for (const [i, f] of [...perFile.entries()].sort(([a], [b]) => a - b)) {
      const info = audience.files[i]!;
      suppressed.files.push({ path: info.path, ...f });
      diagnostics.push(makeDiagnostic("note", "AUDIENCE_SUPPRESSED", `${suppressedLine(f.rows, f.lists)} for ${decl.address}`, info.file, { line: 1, col: 1 }));
    }
    return { ...decl, audience: { ...audience, rows: kept, suppression: index, suppressed } };
  });
  return { campaigns: out, diagnostics };
}
