import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isJsonObject, stableStringify } from "../core/json.js";
import { KINDS, PROVIDERS, type Address, type StateDocument, type StateEntry } from "../core/types.js";

/** The state file is missing a field, has the wrong shape, or is not JSON. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "StateFileError";
  }
}

export function emptyState(): StateDocument {
  return { version: 1, campaigns: {} };
}

function checkEntry(file: string, address: string, raw: unknown): StateEntry {
  const where = `campaigns["${address}"]`;
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const { provider, account, kind, id, appliedAt, applied } = raw;
  if (typeof provider !== "string" || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new StateFileError(file, `${where}.provider must be one of ${PROVIDERS.join(", ")}`);
  }
  const p = provider as StateEntry["provider"];
  if (typeof account !== "string" || account === "") throw new StateFileError(file, `${where}.account must be a non-empty string`);
  if (kind !== KINDS[p]) throw new StateFileError(file, `${where}.kind must be ${KINDS[p]}`);
  if (typeof id !== "string" || id === "") throw new StateFileError(file, `${where}.id must be a non-empty string`);
  if (typeof appliedAt !== "string") throw new StateFileError(file, `${where}.appliedAt must be a string`);
  if (!isJsonObject(applied)) throw new StateFileError(file, `${where}.applied must be an object`);
  if (address !== `${p}/${account}/${address.split("/")[2] ?? ""}` || address.split("/").length !== 3) {
    throw new StateFileError(file, `${where}: the address does not match provider "${p}" and account "${account}"`);
  }
  // Optional and advisory (it only lets the refresh skip reads): anything malformed is dropped, not refused.
  const observed = isJsonObject(raw.observed) && typeof raw.observed.status === "string" ? { observed: { status: raw.observed.status } } : {};
  return { provider: p, account, kind: KINDS[p], id, appliedAt, applied, ...observed };
}

/** Read the state file; a missing file is an empty state. */
export async function readState(file: string): Promise<StateDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw new StateFileError(file, `cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(file, `not valid JSON (${(err as Error).message}); restore it from Git`);
  }
  if (!isJsonObject(raw) || raw.version !== 1 || !isJsonObject(raw.campaigns)) {
    throw new StateFileError(file, `expected {"version": 1, "campaigns": {...}}`);
  }
  const campaigns: Record<Address, StateEntry> = {};
  for (const [address, entry] of Object.entries(raw.campaigns)) campaigns[address] = checkEntry(file, address, entry);
  return { version: 1, campaigns };
}

/** Serialise with sorted keys and a trailing newline (stable diffs when committed). */
export function serializeState(doc: StateDocument): string {
  return `${stableStringify(doc, 2)}\n`;
}

/**
 * Write atomically: a temp file in the same directory, fsync, rename over the target.
 * A crash leaves either the old file or the new one, never a half-written file.
 */
export async function writeState(file: string, doc: StateDocument): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, serializeState(doc));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Another process holds the state lock. */
export class StateLockedError extends Error {
  constructor(readonly file: string) {
    super(`${file} is locked by another campaignctl apply; wait for it to finish (or remove ${file}.lock if that process died)`);
    this.name = "StateLockedError";
  }
}

/** Hold an exclusive lock on the state file while `fn` runs (apply, state adopt/forget, import). */
export async function withStateLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    // Loaded here, not at start-up: it patches fs (graceful-fs) and only writers need it.
    const { default: lockfile } = await import("proper-lockfile");
    release = await lockfile.lock(file, { realpath: false, stale: 120_000, update: 30_000, retries: 0 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") throw new StateLockedError(file);
    throw err;
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
