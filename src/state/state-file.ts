import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { isJsonObject, stableStringify } from "../core/json.js";
import type { Address, AudienceState, KindCatalog, PendingCreate, StateDocument, StateEntry } from "../core/types.js";
import { writeFileAtomicSync } from "./atomic-file.js";
import { journalFileOf, readRegularFile, StateFileError, writeFailureHint } from "./files.js";

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
  const observed = isJsonObject(raw.observed) && typeof raw.observed.status === "string" ? { observed: { status: raw.observed.status } } : {};
  const audience = raw.audience === undefined ? undefined : checkAudienceState(file, `${where}.audience`, raw.audience);
  const previousIds = Array.isArray(raw.previousIds) && raw.previousIds.every((x) => typeof x === "string") ? { previousIds: raw.previousIds as string[] } : {};
  return { provider, account, kind: kind.kind, id, appliedAt, applied, ...observed, ...(audience ? { audience } : {}), ...previousIds };
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

/** Parse the text of a state file (no journal); providers and kinds are checked against `catalog`. */
export function parseState(file: string, text: string, catalog: KindCatalog): StateDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Where, never what: the parser's message quotes the text, which may be a token (issue 31).
    const at = /position (\d+)/.exec((err as Error).message);
    throw new StateFileError(file, `not valid JSON${at ? ` (at character ${Number(at[1]) + 1})` : ""}; its content is not shown; restore it from Git`);
  }
  if (!isJsonObject(raw) || raw.version !== 1 || !isJsonObject(raw.campaigns)) {
    throw new StateFileError(file, `expected {"version": 1, "campaigns": {...}}`);
  }
  const { serial, lineage } = raw;
  if (serial !== undefined && (typeof serial !== "number" || !Number.isInteger(serial) || serial < 0)) {
    throw new StateFileError(file, `serial must be a non-negative integer`);
  }
  if (lineage !== undefined && (typeof lineage !== "string" || lineage === "")) throw new StateFileError(file, `lineage must be a non-empty string`);
  const campaigns: Record<Address, StateEntry> = {};
  for (const [address, entry] of Object.entries(raw.campaigns)) campaigns[address] = checkEntry(file, address, entry, catalog);
  const doc: StateDocument = { version: 1, serial: serial ?? 0, ...(lineage === undefined ? {} : { lineage }), campaigns };
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
  const text = readRegularFile(file);
  return text === undefined ? emptyState() : parseState(file, text, catalog);
}

/** Serialise with sorted keys and a trailing newline (stable diffs when committed). Empty `pending` is left out. */
export function serializeState(doc: StateDocument): string {
  const { pending, untracked, ...rest } = doc;
  const out = {
    ...rest,
    ...(pending && Object.keys(pending).length > 0 ? { pending } : {}),
    ...(untracked && untracked.length > 0 ? { untracked } : {}),
  };
  return `${stableStringify(out, 2)}\n`;
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
    writeFileAtomicSync(file, serializeState(next));
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
