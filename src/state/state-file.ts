import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { isJsonObject, pooledString, sharedJson, sharedSubtrees, stableStringify } from "../core/json.js";
import type { Address, AudienceState, KindCatalog, PendingCreate, StateDocument, StateEntry } from "../core/types.js";
import { writeFileAtomicSync } from "./atomic-file.js";
import { journalFileOf, PART_TEMP, readRegularFile, readRegularFileBytes, removeStaleTempsIn, StateFileError, writeFailureHint } from "./files.js";

export { StateLockedError, withStateLock } from "./lock.js";
export { readRegularFile, removeStaleTemps, StateFileError, writeAll, writeFailureHint } from "./files.js";

export function emptyState(): StateDocument {
  return { version: 1, serial: 0, campaigns: {} };
}

/**
 * The address fits the entry: `<provider>/<account>/<name>` for the provider's primary kind (no address
 * segment), `<provider>/<account>/<short>/<name>` for its other kinds (docs/design.md §11).
 */
function checkAddress(file: string, where: string, address: string, provider: string, account: string, kind: { kind: string; short?: string }): void {
  const parts = address.split("/");
  const segments = kind.short === undefined ? 3 : 4;
  if (
    parts.length !== segments ||
    parts[0] !== provider ||
    parts[1] !== account ||
    (kind.short !== undefined && parts[2] !== kind.short) ||
    parts.slice(2).some((p) => p === "")
  ) {
    throw new StateFileError(file, `${where}: the address does not match provider "${provider}", account "${account}" and kind ${kind.kind}`);
  }
}

/** Provider, account and kind of a record, checked against the registered providers and their kinds (`catalog`). */
function checkKind(file: string, where: string, raw: Record<string, unknown>, catalog: KindCatalog): { provider: string; account: string; kind: { kind: string; short?: string } } {
  const { provider, account, kind } = raw;
  const providers = catalog.providers();
  if (typeof provider !== "string" || !providers.includes(provider)) {
    throw new StateFileError(file, `${where}.provider must be one of ${providers.join(", ")}`);
  }
  if (typeof account !== "string" || account === "") throw new StateFileError(file, `${where}.account must be a non-empty string`);
  const kinds = catalog.kindsOf(provider);
  const found = kinds.find((k) => k.kind === kind);
  if (!found) throw new StateFileError(file, `${where}.kind must be one of ${kinds.map((k) => k.kind).join(", ")} (the kinds ${provider} offers)`);
  return { provider, account, kind: found };
}

export function checkEntry(file: string, address: string, raw: unknown, catalog: KindCatalog, where = `campaigns["${address}"]`): StateEntry {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const { provider, account, kind } = checkKind(file, where, raw, catalog);
  const { id, appliedAt, applied } = raw;
  if (typeof id !== "string" || id === "") throw new StateFileError(file, `${where}.id must be a non-empty string`);
  if (typeof appliedAt !== "string") throw new StateFileError(file, `${where}.appliedAt must be a string`);
  if (!isJsonObject(applied)) throw new StateFileError(file, `${where}.applied must be an object`);
  checkAddress(file, where, address, provider, account, kind);
  // Optional and advisory (it only lets the refresh skip reads): anything malformed is dropped, not refused.
  const observed = isJsonObject(raw.observed) && typeof raw.observed.status === "string" ? { observed: sharedJson({ status: raw.observed.status }) } : {};
  const audience = raw.audience === undefined ? undefined : checkAudienceState(file, `${where}.audience`, raw.audience);
  const previousIds = Array.isArray(raw.previousIds) && raw.previousIds.every((x) => typeof x === "string") ? { previousIds: raw.previousIds as string[] } : {};
  // Kept small (issue 30, memory at 100,000 campaigns): the times of one apply and the observed statuses
  // are one copy each, and the applied body's short subtrees are shared, frozen, with every other entry
  // and declaration holding equal ones (sharedSubtrees; nothing changes an entry in place).
  return { provider, account, kind: kind.kind, id, appliedAt: pooledString(appliedAt), applied: sharedSubtrees(applied), ...observed, ...(audience ? { audience } : {}), ...previousIds };
}

/** `audience`: digests per file and counts only (docs/design.md §10: no personal data in state). */
function checkAudienceState(file: string, where: string, raw: unknown): AudienceState {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const { mode, files, rows, count, list } = raw;
  if (mode !== "append" && mode !== "exact") throw new StateFileError(file, `${where}.mode must be "append" or "exact"`);
  if (!isJsonObject(files) || !Object.values(files).every((d) => typeof d === "string")) {
    throw new StateFileError(file, `${where}.files must map file paths to digests`);
  }
  const counts = { rows, count };
  for (const [k, v] of Object.entries(counts)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new StateFileError(file, `${where}.${k} must be a non-negative integer`);
  }
  if (list !== undefined && typeof list !== "string") throw new StateFileError(file, `${where}.list must be a string (the provider's list id)`);
  return { mode, files: files as Record<string, string>, rows: rows as number, count: count as number, ...(list === undefined ? {} : { list }) };
}

export function checkPending(file: string, address: string, raw: unknown, catalog: KindCatalog, where = `pending["${address}"]`): PendingCreate {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const { provider, account, kind } = checkKind(file, where, raw, catalog);
  const { name, digest, idempotencyKey, at } = raw;
  for (const [k, v] of Object.entries({ name, digest, idempotencyKey, at })) {
    if (typeof v !== "string") throw new StateFileError(file, `${where}.${k} must be a string`);
  }
  checkAddress(file, where, address, provider, account, kind);
  return { provider, account, kind: kind.kind, name: name as string, digest: digest as string, idempotencyKey: idempotencyKey as string, at: at as string };
}

/**
 * The state on disk (docs/design.md §4, issue 30 "state that fits in Git"): one file while it is small —
 * `{"version": 1, "serial", "lineage", "campaigns": {...}, "pending", "untracked"}`, pretty-printed — and,
 * once its campaigns pass SPLIT_BYTES, a head file plus one part file per account in the directory
 * beside it (`campaignctl.state.json` → `campaignctl.state.d/`):
 *
 *   head  {"version": 2, "serial", "lineage", "parts": ["puffle.default.<digest>.json", …], "pending", "untracked"}
 *   part  {"version": 2, "campaigns": {
 *         "<address>": {…compact…},        one line per campaign (diffs stay per campaign)
 *         …}}
 *
 * A part is named by its account and the digest of its content, so a write adds only the parts that
 * changed and then replaces the head atomically: the head is the one commit point (a crash leaves the
 * old head and its old parts, or the new ones), and parts no head lists are removed on the next write.
 * An account whose campaigns pass PART_BYTES is spread over 2^k parts by a hash of the address, so no
 * file grows past a few MB at any size (about 1 KB per campaign compact: 100,000 campaigns of one
 * account → 16 parts of ~6.5 MB). Reading accepts both forms; writing picks the form by size, so an old
 * single file migrates on the first write that needs it, and a shrunken state goes back to one file.
 */

/** Campaign bytes (compact) above which the state is split into per-account parts; CAMPAIGNCTL_STATE_SPLIT_BYTES overrides. */
export const SPLIT_BYTES = 4 * 1024 * 1024;
/** Largest part (compact bytes) before an account is spread over more parts; CAMPAIGNCTL_STATE_PART_BYTES overrides. */
export const PART_BYTES = 8 * 1024 * 1024;

function sizeSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The directory of a split state's parts: `campaignctl.state.json` → `campaignctl.state.d`. */
export function partsDirOf(file: string): string {
  return `${file.replace(/\.json$/, "")}.d`;
}

const PART_NAME = /^[a-z0-9-]+\.[a-z0-9-]+(\.b\d+of\d+)?\.[0-9a-f]{16}\.json$/;

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Where, never what: the parser's message quotes the text, which may be a token (issue 31).
    const at = /position (\d+)/.exec((err as Error).message);
    throw new StateFileError(file, `not valid JSON${at ? ` (at character ${Number(at[1]) + 1})` : ""}; its content is not shown; restore it from Git`);
  }
}

/** The campaigns of a split state: every part the head lists, read from `partsDirOf(file)`. */
function readParts(file: string, parts: unknown, catalog: KindCatalog): Record<Address, StateEntry> {
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === "string" && PART_NAME.test(p))) {
    throw new StateFileError(file, `parts must list the part files of ${basename(partsDirOf(file))}/ (<provider>.<account>.<digest>.json)`);
  }
  const campaigns: Record<Address, StateEntry> = {};
  for (const name of parts as string[]) {
    const partFile = join(partsDirOf(file), name);
    const text = readRegularFile(partFile);
    if (text === undefined) throw new StateFileError(file, `lists the part ${name}, but ${partFile} is missing; restore ${basename(partsDirOf(file))}/ from Git with the head file`);
    const raw = parseJson(partFile, text);
    if (!isJsonObject(raw) || raw.version !== 2 || !isJsonObject(raw.campaigns)) throw new StateFileError(partFile, `expected {"version": 2, "campaigns": {...}}`);
    for (const [address, entry] of Object.entries(raw.campaigns)) campaigns[address] = checkEntry(partFile, address, entry, catalog);
  }
  return campaigns;
}

/** Parse the text of a state file (no journal); a split state's parts are read beside it. Providers and kinds are checked against `catalog`. */
export function parseState(file: string, text: string, catalog: KindCatalog): StateDocument {
  const raw = parseJson(file, text);
  return stateFromRaw(file, raw, isJsonObject(raw) && isJsonObject(raw.campaigns) ? Object.entries(raw.campaigns) : [], catalog);
}

/** The state document of a parsed state file; `entries` are the campaigns of a one-file state (raw.campaigns), in order. */
function stateFromRaw(file: string, raw: unknown, entries: Iterable<[string, unknown]>, catalog: KindCatalog): StateDocument {
  const split = isJsonObject(raw) && raw.version === 2 && raw.parts !== undefined;
  if (!isJsonObject(raw) || (!split && (raw.version !== 1 || !isJsonObject(raw.campaigns)))) {
    throw new StateFileError(file, `expected {"version": 1, "campaigns": {...}} or {"version": 2, "parts": [...]}`);
  }
  const { serial, lineage } = raw;
  if (serial !== undefined && (typeof serial !== "number" || !Number.isInteger(serial) || serial < 0)) {
    throw new StateFileError(file, `serial must be a non-negative integer`);
  }
  if (lineage !== undefined && (typeof lineage !== "string" || lineage === "")) throw new StateFileError(file, `lineage must be a non-empty string`);
  let campaigns: Record<Address, StateEntry> = {};
  if (split) campaigns = readParts(file, raw.parts, catalog);
  else for (const [address, entry] of entries) campaigns[address] = checkEntry(file, address, entry, catalog);
  return parseRest(file, raw, { version: 1, serial: serial ?? 0, ...(lineage === undefined ? {} : { lineage }), campaigns }, catalog);
}

/** `pending` and `untracked` of a state document (the same in both forms), checked and added to `doc`. */
export function parseRest(file: string, raw: Record<string, unknown>, doc: StateDocument, catalog: KindCatalog): StateDocument {
  if (raw.pending !== undefined) {
    if (!isJsonObject(raw.pending)) throw new StateFileError(file, `pending must be an object`);
    const pending: Record<Address, PendingCreate> = {};
    for (const [address, p] of Object.entries(raw.pending)) pending[address] = checkPending(file, address, p, catalog);
    if (Object.keys(pending).length > 0) doc.pending = pending;
  }
  if (raw.untracked !== undefined) {
    if (!Array.isArray(raw.untracked)) throw new StateFileError(file, `untracked must be an array`);
    const untracked = raw.untracked.map((u, i) => {
      const address = isJsonObject(u) && typeof u.address === "string" ? u.address : "";
      return { address, ...checkEntry(file, address, u, catalog, `untracked[${i}]`) };
    });
    if (untracked.length > 0) doc.untracked = untracked;
  }
  return doc;
}

/** Read the state file alone (no journal); a missing file is an empty state. */
export async function readStateFile(file: string, catalog: KindCatalog): Promise<StateDocument> {
  const bytes = readRegularFileBytes(file);
  if (bytes === undefined) return emptyState();
  return scannedState(file, bytes, catalog) ?? parseState(file, bytes.toString("utf8"), catalog);
}

/**
 * A one-file state (`{"version": 1, "campaigns": {...}}`) read campaign by campaign from its bytes:
 * each entry is decoded and parsed on its own and checked at once (issue 30: a 150 MB state file of
 * 100,000 campaigns, whole, was its text and its parsed copy at the same time, about 350 MB at the
 * start of every run). The bytes are scanned for the JSON structure of the top object and of
 * `campaigns` only (strings, nesting, separators; every value is then parsed by JSON.parse).
 *
 * Undefined whenever this is not that form read without a problem: a split state's head, a key twice
 * or `__proto__` (JSON.parse's rules for them are kept by reading the whole text), anything not valid
 * JSON, any entry that fails its check. The caller then parses the whole text as before, so every
 * result and every error is the same as that of parseState.
 */
function scannedState(file: string, bytes: Buffer, catalog: KindCatalog): StateDocument | undefined {
  try {
    const top = objectMembers(bytes, 0);
    if (!top || skipSpace(bytes, top.end) !== bytes.length) return undefined;
    const raw: Record<string, unknown> = {};
    let campaignsAt: number | undefined;
    for (const [key, start, end] of top.members) {
      if (key === "campaigns") campaignsAt = start;
      else raw[key] = JSON.parse(bytes.toString("utf8", start, end));
    }
    if (raw.version !== 1 || raw.parts !== undefined || campaignsAt === undefined) return undefined;
    const members = objectMembers(bytes, campaignsAt);
    if (!members) return undefined;
    raw.campaigns = {};
    const entries = function* (): Generator<[string, unknown]> {
      for (const [address, start, end] of members.members) yield [address, JSON.parse(bytes.toString("utf8", start, end))];
    };
    return stateFromRaw(file, raw, entries(), catalog);
  } catch {
    return undefined;
  }
}

/** The bytes of JSON's structure (all ASCII: no byte of a multi-byte UTF-8 character is one of them). */
const Byte = { Quote: 0x22, Backslash: 0x5c, Comma: 0x2c, Colon: 0x3a, OpenBrace: 0x7b, CloseBrace: 0x7d, OpenBracket: 0x5b, CloseBracket: 0x5d } as const;

/** The first offset from `i` that is not JSON whitespace (space, tab, line feed, carriage return). */
function skipSpace(b: Buffer, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

/** The offset after the string that starts at `i` (a quote), or -1. UTF-8 continuation bytes are never quotes or backslashes. */
function stringEnd(b: Buffer, i: number): number {
  for (let j = i + 1; j < b.length; j++) {
    if (b[j] === Byte.Backslash) j++;
    else if (b[j] === Byte.Quote) return j + 1;
  }
  return -1;
}

/** The offset after the JSON value that starts at `i`, or -1; what is inside it is left to JSON.parse. */
function valueEnd(b: Buffer, i: number): number {
  if (b[i] === Byte.Quote) return stringEnd(b, i);
  if (b[i] === Byte.OpenBrace || b[i] === Byte.OpenBracket) {
    let depth = 0;
    for (let j = i; j < b.length; ) {
      const c = b[j];
      if (c === Byte.Quote) {
        j = stringEnd(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (c === Byte.OpenBrace || c === Byte.OpenBracket) depth++;
      else if ((c === Byte.CloseBrace || c === Byte.CloseBracket) && --depth === 0) return j + 1;
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && skipSpace(b, j) === j && b[j] !== Byte.Comma && b[j] !== Byte.CloseBrace && b[j] !== Byte.CloseBracket) j++;
  return j > i ? j : -1;
}

/** The members of the object at `i` (whitespace first): [key, value start, value end], and its end; undefined when it is not one (or repeats a key, or has `__proto__`). */
function objectMembers(b: Buffer, i: number): { members: [string, number, number][]; end: number } | undefined {
  const members: [string, number, number][] = [];
  const seen = new Set<string>();
  let at = skipSpace(b, i);
  if (b[at] !== Byte.OpenBrace) return undefined;
  at = skipSpace(b, at + 1);
  if (b[at] === Byte.CloseBrace) return { members, end: at + 1 };
  for (;;) {
    if (b[at] !== Byte.Quote) return undefined;
    const keyEnd = stringEnd(b, at);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(b.toString("utf8", at, keyEnd)) as string;
    if (key === "__proto__" || seen.has(key)) return undefined;
    seen.add(key);
    at = skipSpace(b, keyEnd);
    if (b[at] !== Byte.Colon) return undefined;
    const start = skipSpace(b, at + 1);
    const end = valueEnd(b, start);
    if (end < 0) return undefined;
    members.push([key, start, end]);
    at = skipSpace(b, end);
    if (b[at] === Byte.CloseBrace) return { members, end: at + 1 };
    if (b[at] !== Byte.Comma) return undefined;
    at = skipSpace(b, at + 1);
  }
}

/** Serialise as one file with sorted keys and a trailing newline (stable diffs when committed). Empty `pending` is left out. */
export function serializeState(doc: StateDocument): string {
  const { pending, untracked, ...rest } = doc;
  const out = {
    ...rest,
    ...(pending && Object.keys(pending).length > 0 ? { pending } : {}),
    ...(untracked && untracked.length > 0 ? { untracked } : {}),
  };
  return `${stableStringify(out, 2)}\n`;
}

/** FNV-1a of the address: which of an account's 2^k parts holds it (stable across runs and machines). */
function bucketOf(address: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i += 1) {
    h ^= address.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % n;
}

/** The line of one campaign in a part: `"<address>":<entry>`, keys sorted. */
function lineOf(doc: StateDocument, address: string): string {
  return `${JSON.stringify(address)}:${stableStringify(doc.campaigns[address])}`;
}

/**
 * The files of a state document, produced a part at a time: one file (the head alone, `single`) while the
 * campaigns' lines come to SPLIT_BYTES or less, else every account's parts (`part`) and then the head naming
 * them (`head`). Lines are measured in a first pass and made again per part, so only one part's lines are
 * held at a time: laying out 100,000 campaigns at once held every line and every part's text together,
 * about 180 MB at the end of an apply (issue 30).
 */
function layoutState(doc: StateDocument, out: { single(text: string): void; part(name: string, chunks: readonly string[]): void; head(text: string): void }): void {
  const byKey = new Map<string, string[]>(); // "<provider>.<account>" → its addresses, sorted
  for (const address of Object.keys(doc.campaigns).sort()) {
    const entry = doc.campaigns[address] as StateEntry;
    const key = `${entry.provider}.${entry.account}`;
    const list = byKey.get(key);
    if (list) list.push(address);
    else byKey.set(key, [address]);
  }
  const sizes = new Map<string, number>();
  let bytes = 0;
  for (const [key, addresses] of byKey) {
    let size = 0;
    for (const address of addresses) size += lineOf(doc, address).length + 2;
    sizes.set(key, size);
    bytes += size;
  }
  if (bytes <= sizeSetting("CAMPAIGNCTL_STATE_SPLIT_BYTES", SPLIT_BYTES)) return out.single(serializeState(doc));
  const partBytes = sizeSetting("CAMPAIGNCTL_STATE_PART_BYTES", PART_BYTES);
  const names: string[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const size = sizes.get(key) as number;
    let n = 1;
    while (size / n > partBytes) n *= 2;
    const buckets: string[][] = Array.from({ length: n }, () => []);
    for (const address of byKey.get(key) as string[]) (buckets[bucketOf(address, n)] as string[]).push(address);
    buckets.forEach((b, i) => {
      if (b.length === 0) return;
      const chunks = partChunks(doc, b);
      const hash = createHash("sha256");
      for (const chunk of chunks) hash.update(chunk);
      const name = `${key}${n > 1 ? `.b${i}of${n}` : ""}.${hash.digest("hex").slice(0, 16)}.json`;
      names.push(name);
      out.part(name, chunks);
    });
  }
  const { pending, untracked, campaigns: _campaigns, version: _version, ...rest } = doc;
  const head = {
    ...rest,
    version: 2,
    parts: names,
    ...(pending && Object.keys(pending).length > 0 ? { pending } : {}),
    ...(untracked && untracked.length > 0 ? { untracked } : {}),
  };
  out.head(`${stableStringify(head, 2)}\n`);
}

/** A part's text is held as pieces of about this many characters while it is hashed and written. */
const PART_CHUNK = 1 << 16;

/**
 * A part's text — `{"version":2,"campaigns":{` and its campaigns' lines — as pieces of about PART_CHUNK
 * characters, never as one string: joining the lines, then the text, then its buffer made three copies of
 * every part, each kept long enough to reach the old generation, and at the end of an apply of 100,000
 * campaigns that garbage grew the heap by about 100 MB in the state write alone (issue 30).
 */
function partChunks(doc: StateDocument, addresses: readonly string[]): string[] {
  const chunks: string[] = [];
  let pending = '{"version":2,"campaigns":{\n';
  for (let i = 0; i < addresses.length; i++) {
    pending += `${i === 0 ? "" : ",\n"}${lineOf(doc, addresses[i] as string)}`;
    if (pending.length >= PART_CHUNK) {
      chunks.push(pending);
      pending = "";
    }
  }
  chunks.push(`${pending}\n}}\n`);
  return chunks;
}

/**
 * Write a state document's files: its new parts first (a part whose name exists already has that very
 * content), then the head atomically, then the parts no head lists any more. Synchronous (see writeStateSync).
 */
function writeLayoutSync(file: string, doc: StateDocument): void {
  const dir = partsDirOf(file);
  // Temp files a killed write left among the parts (never committed: the commit-back adds the directory).
  removeStaleTempsIn(dir, PART_TEMP);
  const written = new Set<string>();
  layoutState(doc, {
    single: (text) => writeFileAtomicSync(file, text),
    part: (name, chunks) => {
      if (written.size === 0) mkdirSync(dir, { recursive: true });
      written.add(name);
      const target = join(dir, name);
      if (!existsSync(target)) writeFileAtomicSync(target, chunks);
    },
    head: (text) => writeFileAtomicSync(file, text),
  });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (PART_NAME.test(name) && !written.has(name)) rmSync(join(dir, name), { force: true });
  }
  if (written.size === 0) rmdirQuiet(dir);
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty (files of the user's) or gone: leave it */
  }
}

/** A write of the state (or its journal) failed: ENOSPC, EACCES, EIO, EFBIG… */
export class StateWriteError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`cannot write ${file}: ${(cause as Error)?.message ?? String(cause)} (${writeFailureHint(file, cause)})`);
    this.name = "StateWriteError";
  }
}

/**
 * Write the state file atomically: a temp file in the same directory, fsync, rename over the target,
 * then drop the journal it supersedes. Sets `serial` to one more than the document's, and `lineage`
 * when the document has none (the first write). A crash leaves either the old file or the new one;
 * a failed write removes its temp file and throws StateWriteError (the old file and journal stay).
 */
export async function writeState(file: string, doc: StateDocument): Promise<void> {
  writeStateSync(file, doc);
}

/**
 * writeState without a single await: a signal handler can make the state durable before it returns,
 * and two writes can never interleave (each is one synchronous temp write, fsync and rename).
 */
export function writeStateSync(file: string, doc: StateDocument): void {
  const next: StateDocument = { ...doc, serial: (doc.serial ?? 0) + 1, lineage: doc.lineage ?? randomUUID() };
  try {
    writeLayoutSync(file, next);
  } catch (err) {
    throw new StateWriteError(file, err);
  }
  doc.serial = next.serial;
  doc.lineage = next.lineage;
  try {
    rmSync(journalFileOf(file), { force: true });
  } catch {
    /* the journal extends an older serial now: the next load ignores it */
  }
}
