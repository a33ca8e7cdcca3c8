/**
 * The PostgreSQL state backend (docs/design.md §18): `backend: { type: postgres, urlEnv, key }`.
 *
 *   campaignctl_state      key → lineage, serial, dirty, untracked      one row per workspace (key)
 *   campaignctl_campaigns  (key, address) → entry                       the recorded campaigns
 *   campaignctl_pending    (key, address) → pending create               written before the create is sent
 *
 * Every change of an apply is written as it lands, in a transaction that first checks (FOR UPDATE) that
 * the row still has the lineage and serial the apply started from — the compare-and-set — and marks the
 * row `dirty`. Changes that arrive while a transaction runs ride on the next one (group commit). The end
 * of the apply bumps the serial (CAS again) and clears `dirty`; an apply that died leaves `dirty` set and
 * the next one to open the state makes it the next serial, with a note. Nothing is kept on the runner.
 *
 * The apply lock is a session advisory lock on hashtextextended('campaignctl:' || key): held by the
 * connection for the whole apply, released by the server the moment that connection dies (kill -9, a
 * lost runner) — there is no lock file to go stale. Who holds it is read from pg_stat_activity
 * (application_name "campaignctl <command> pid N on HOST").
 *
 * The URL comes from the environment only; messages name host, port, database and key, never the
 * password (it is also scrubbed from any message the server or driver gives).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { UserError } from "../core/errors.js";
import { isJsonObject } from "../core/json.js";
import type { Address, KindCatalog, PendingCreate, StateDocument, StateEntry, UntrackedEntry } from "../core/types.js";
import { StateConflictError, type StateBackend, type StateSession, type WriteOptions } from "./backend.js";
import { applyChange, ChangeRecorder, type StateChange } from "./changes.js";
import type { HeldLock, LockHolder, LockOptions } from "./lock.js";
import { checkEntry, checkPending, emptyState, StateWriteError } from "./state-file.js";

/** A failure talking to PostgreSQL, worded without the URL's password. */
export class PostgresStateError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "PostgresStateError";
  }
}

/** The apply lock is held by another connection. */
export class PostgresLockedError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "StateLockedError";
  }
}

interface Target {
  label: string;
  secrets: string[];
}

/** "PostgreSQL db@host:port, key K" — and the strings never to show (the password, raw and decoded). */
export function describeUrl(url: string, key: string): Target {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get("host") || "localhost";
    const where = `${decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres"}@${host}${u.port ? `:${u.port}` : ""}`;
    const secrets = u.password ? [u.password, decodeURIComponent(u.password)] : [];
    return { label: `PostgreSQL ${where}, key ${key}`, secrets: [...secrets, url] };
  } catch {
    return { label: `PostgreSQL (an unparsable URL), key ${key}`, secrets: [url] };
  }
}

const TABLES = `
CREATE TABLE IF NOT EXISTS campaignctl_state (
  key text PRIMARY KEY, lineage text NOT NULL, serial bigint NOT NULL, dirty boolean NOT NULL DEFAULT false,
  untracked jsonb NOT NULL DEFAULT '[]', updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS campaignctl_campaigns (key text NOT NULL, address text NOT NULL, entry jsonb NOT NULL, PRIMARY KEY (key, address));
CREATE TABLE IF NOT EXISTS campaignctl_pending (key text NOT NULL, address text NOT NULL, pending jsonb NOT NULL, PRIMARY KEY (key, address));`;

const LOCK_ID = `hashtextextended('campaignctl:' || $1, 0)`;

type Rec = StateChange;

interface Queued {
  rec: Rec;
  done: (err?: Error) => void;
}

interface Row {
  lineage: string;
  serial: number;
  dirty: boolean;
}

export class PostgresBackend implements StateBackend {
  readonly kind = "postgres";
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly target: Target;
  /** Set when the connection dies: every later use says so. */
  private lost: Error | undefined;

  constructor(
    private readonly url: string,
    readonly key: string,
    private readonly command = "apply",
  ) {
    this.target = describeUrl(url, key);
  }

  get where(): string {
    return this.target.label;
  }

  /** The message of `err` with every secret removed, prefixed with where. */
  private wrap(err: unknown, doing: string): Error {
    if (err instanceof UserError) return err;
    let text = err instanceof Error ? err.message : String(err);
    for (const s of this.target.secrets) if (s !== "") text = text.split(s).join("***");
    const code = (err as { code?: string })?.code;
    return new PostgresStateError(`${this.where}: ${doing} failed: ${text}${code && !text.includes(code) ? ` (${code})` : ""}`);
  }

  private async db(): Promise<pg.Client> {
    if (this.lost) throw this.lost;
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        application_name: `campaignctl ${this.command} pid ${process.pid} on ${hostname()}`.slice(0, 63),
        connectionTimeoutMillis: 15_000,
      });
      // A connection that dies later (server restart, network): reported by the next use, never thrown from an event.
      client.on("error", (err) => (this.lost = this.wrap(err, "the connection")));
      try {
        await client.connect();
        await client.query("BEGIN");
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('campaignctl:schema', 0))`);
        await client.query(TABLES);
        await client.query("COMMIT");
      } catch (err) {
        await client.end().catch(() => undefined);
        this.connecting = undefined;
        throw this.wrap(err, "connecting");
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  /** Run `fn` in one transaction (rolled back when it throws). */
  async tx<T>(doing: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = await this.db();
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw this.wrap(err, doing);
    }
  }

  async row(c: pg.Client, forUpdate: boolean): Promise<Row | undefined> {
    const r = await c.query(`SELECT lineage, serial, dirty FROM campaignctl_state WHERE key = $1${forUpdate ? " FOR UPDATE" : ""}`, [this.key]);
    const x = r.rows[0] as { lineage: string; serial: string; dirty: boolean } | undefined;
    return x ? { lineage: x.lineage, serial: Number(x.serial), dirty: x.dirty } : undefined;
  }

  async read(catalog: KindCatalog): Promise<StateDocument> {
    return this.tx("reading the state", async (c) => {
      await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const row = await this.row(c, false);
      if (!row) return emptyState();
      const doc: StateDocument = { version: 1, serial: row.serial, lineage: row.lineage, campaigns: {} };
      const where = this.where;
      for (const r of (await c.query(`SELECT address, entry FROM campaignctl_campaigns WHERE key = $1 ORDER BY address`, [this.key])).rows as { address: string; entry: unknown }[]) {
        doc.campaigns[r.address] = checkEntry(where, r.address, r.entry, catalog);
      }
      const pending: Record<Address, PendingCreate> = {};
      for (const r of (await c.query(`SELECT address, pending FROM campaignctl_pending WHERE key = $1 ORDER BY address`, [this.key])).rows as { address: string; pending: unknown }[]) {
        pending[r.address] = checkPending(where, r.address, r.pending, catalog);
      }
      if (Object.keys(pending).length > 0) doc.pending = pending;
      const u = (await c.query(`SELECT untracked FROM campaignctl_state WHERE key = $1`, [this.key])).rows[0] as { untracked: unknown } | undefined;
      const untracked = Array.isArray(u?.untracked)
        ? u.untracked.map((x, i) => ({ address: isJsonObject(x) && typeof x.address === "string" ? x.address : "", ...checkEntry(where, isJsonObject(x) && typeof x.address === "string" ? x.address : "", x, catalog, `untracked[${i}]`) }))
        : [];
      if (untracked.length > 0) doc.untracked = untracked as UntrackedEntry[];
      return doc;
    });
  }

  /** Who holds the advisory lock of this key now (undefined: nobody, or not visible to this user). */
  private async holder(): Promise<string | undefined> {
    const c = await this.db();
    const r = await c.query(
      `SELECT a.application_name, a.client_addr::text AS addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = ${LOCK_ID} AND a.pid <> pg_backend_pid()`,
      [this.key],
    );
    const h = r.rows[0] as { application_name: string; addr: string | null; backend_start: Date } | undefined;
    if (!h) return undefined;
    return `${h.application_name || "a client"}${h.addr ? ` from ${h.addr}` : ""}, connected since ${h.backend_start.toISOString()}`;
  }

  async lock(opts: LockOptions = {}): Promise<HeldLock> {
    const c = await this.db();
    const waitMs = opts.waitMs ?? 0;
    const started = Date.now();
    let said = false;
    for (;;) {
      let ok: boolean;
      try {
        ok = (await c.query(`SELECT pg_try_advisory_lock(${LOCK_ID}) AS ok`, [this.key])).rows[0]?.ok === true;
      } catch (err) {
        throw this.wrap(err, "taking the apply lock");
      }
      if (ok) break;
      const who = await this.holder().catch(() => undefined);
      const waited = Date.now() - started;
      if (waited >= waitMs) {
        const after = waited >= 1000 ? ` after waiting ${Math.round(waited / 1000)} s` : "";
        throw new PostgresLockedError(
          `${this.where} is locked${after} by another ${who ?? "campaignctl run"}; ${opts.retryHint ?? "wait for it to finish, then run again"} (the server releases the lock as soon as that connection ends)`,
        );
      }
      if (!said) {
        opts.onNote?.(`waiting up to ${Math.round(waitMs / 1000)} s for the apply lock of ${this.where} held by ${who ?? "another campaignctl run"}`);
        said = true;
      }
      await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 200, Math.max(10, waitMs - waited))));
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: opts.command ?? this.command, token: randomUUID() };
    return {
      holder,
      release: async () => {
        if (this.lost || !this.client) return; // the server released it with the connection
        await c.query(`SELECT pg_advisory_unlock(${LOCK_ID})`, [this.key]).catch(() => undefined);
      },
    };
  }

  async open(catalog: KindCatalog, opts: { onNote?: (text: string) => void } = {}): Promise<StateSession> {
    const recovered = await this.tx("opening the state", async (c) => {
      let row = await this.row(c, true);
      if (!row) {
        await c.query(`INSERT INTO campaignctl_state (key, lineage, serial) VALUES ($1, $2, 0)`, [this.key, randomUUID()]);
        row = { lineage: "", serial: 0, dirty: false };
      }
      if (!row.dirty) return false;
      await c.query(`UPDATE campaignctl_state SET serial = serial + 1, dirty = false, updated_at = now() WHERE key = $1`, [this.key]);
      return true;
    });
    const doc = await this.read(catalog);
    if (recovered) opts.onNote?.(`recovered the changes an interrupted apply left in ${this.where} (now serial ${doc.serial ?? 0})`);
    return new PostgresSession(this, doc, catalog);
  }

  async write(doc: StateDocument, _catalog: KindCatalog, opts: WriteOptions = {}): Promise<void> {
    const { serial, lineage } = await this.tx("writing the state", async (c) => {
      const row = await this.row(c, true);
      const found = { serial: row?.serial ?? 0, lineage: row?.lineage };
      if (!opts.force && (found.serial !== (doc.serial ?? 0) || (row && doc.lineage !== undefined && row.lineage !== doc.lineage))) {
        throw new StateConflictError(this.where, { serial: doc.serial ?? 0, lineage: doc.lineage }, found);
      }
      const next = { serial: opts.keepSerial ? (doc.serial ?? 0) : (doc.serial ?? 0) + 1, lineage: doc.lineage ?? row?.lineage ?? randomUUID() };
      const untracked = JSON.stringify(doc.untracked ?? []);
      await c.query(
        `INSERT INTO campaignctl_state (key, lineage, serial, dirty, untracked) VALUES ($1, $2, $3, false, $4::jsonb)
         ON CONFLICT (key) DO UPDATE SET lineage = EXCLUDED.lineage, serial = EXCLUDED.serial, dirty = false, untracked = EXCLUDED.untracked, updated_at = now()`,
        [this.key, next.lineage, next.serial, untracked],
      );
      await c.query(`DELETE FROM campaignctl_campaigns WHERE key = $1`, [this.key]);
      await c.query(`DELETE FROM campaignctl_pending WHERE key = $1`, [this.key]);
      await c.query(`INSERT INTO campaignctl_campaigns (key, address, entry) SELECT $1, e.key, e.value FROM jsonb_each($2::jsonb) e`, [this.key, JSON.stringify(doc.campaigns)]);
      await c.query(`INSERT INTO campaignctl_pending (key, address, pending) SELECT $1, e.key, e.value FROM jsonb_each($2::jsonb) e`, [this.key, JSON.stringify(doc.pending ?? {})]);
      return next;
    });
    doc.serial = serial;
    doc.lineage = lineage;
  }

  /**
   * Apply `recs` in one transaction, if the row still has `lineage` and `base` (else StateConflictError),
   * and mark it dirty (an apply is under way: its changes are part of the state, its serial not yet bumped).
   */
  async record(recs: Rec[], lineage: string, base: number): Promise<void> {
    await this.tx("recording a change", async (c) => {
      const row = await this.row(c, true);
      if (!row || row.lineage !== lineage || row.serial !== base) {
        throw new StateConflictError(this.where, { serial: base, lineage }, { serial: row?.serial ?? 0, lineage: row?.lineage });
      }
      for (const r of recs) {
        if (r.op === "pending") {
          await c.query(
            `INSERT INTO campaignctl_pending (key, address, pending) VALUES ($1, $2, $3::jsonb) ON CONFLICT (key, address) DO UPDATE SET pending = EXCLUDED.pending`,
            [this.key, r.address, JSON.stringify(r.pending)],
          );
        } else if (r.op === "set") {
          await c.query(
            `INSERT INTO campaignctl_campaigns (key, address, entry) VALUES ($1, $2, $3::jsonb) ON CONFLICT (key, address) DO UPDATE SET entry = EXCLUDED.entry`,
            [this.key, r.address, JSON.stringify(r.entry)],
          );
          await c.query(`DELETE FROM campaignctl_pending WHERE key = $1 AND address = $2`, [this.key, r.address]);
        } else if (r.op === "delete") {
          await c.query(`DELETE FROM campaignctl_campaigns WHERE key = $1 AND address = $2`, [this.key, r.address]);
        } else {
          await c.query(`DELETE FROM campaignctl_pending WHERE key = $1 AND address = $2`, [this.key, r.address]);
        }
      }
      if (!row.dirty) await c.query(`UPDATE campaignctl_state SET dirty = true, updated_at = now() WHERE key = $1`, [this.key]);
    });
  }

  /** The end of an apply: the next serial (CAS), no longer dirty. */
  async bump(lineage: string, base: number): Promise<void> {
    await this.tx("writing the state", async (c) => {
      const r = await c.query(`UPDATE campaignctl_state SET serial = serial + 1, dirty = false, updated_at = now() WHERE key = $1 AND lineage = $2 AND serial = $3`, [this.key, lineage, base]);
      if (r.rowCount !== 1) {
        const row = await this.row(c, false);
        throw new StateConflictError(this.where, { serial: base, lineage }, { serial: row?.serial ?? 0, lineage: row?.lineage });
      }
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.connecting = undefined;
    this.lost ??= new PostgresStateError(`${this.where}: the connection was closed`);
    await c?.end().catch(() => undefined);
  }
}

/** One apply's state in PostgreSQL: changes applied in memory at once and written in order, grouped. */
class PostgresSession extends ChangeRecorder implements StateSession {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private changed = false;
  failure: Error | undefined;
  /** Entries set whose write has not reached the server yet. */
  private inFlight = new Map<Address, StateEntry>();

  constructor(
    private readonly backend: PostgresBackend,
    readonly doc: StateDocument,
    private readonly catalog: KindCatalog,
  ) {
    super();
  }

  get serial(): number {
    return this.doc.serial ?? 0;
  }

  get lineage(): string {
    return this.doc.lineage as string;
  }

  get file(): string {
    return this.backend.where;
  }

  readonly journalFile = undefined;

  private enqueue(rec: Rec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rec, done: (err) => (err ? reject(err) : resolve()) });
      this.draining ??= this.drain();
    });
  }

  /** Write what is queued, a transaction at a time; what queues meanwhile rides on the next one. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.backend.record(
          batch.map((q) => q.rec),
          this.lineage,
          this.serial,
        );
        this.failure = undefined;
        for (const q of batch) {
          if (q.rec.op === "set" && this.inFlight.get(q.rec.address) === q.rec.entry) this.inFlight.delete(q.rec.address);
          q.done();
        }
      } catch (err) {
        // A StateWriteError, as for the state file: the engine then starts no create and says so.
        const text = err instanceof Error ? err.message : String(err);
        const prefix = `${this.backend.where}: `;
        this.failure = new StateWriteError(this.backend.where, new Error(text.startsWith(prefix) ? text.slice(prefix.length) : text));
        for (const q of batch) q.done(this.failure);
      }
    }
    this.draining = undefined;
  }

  async pending(address: Address, p: PendingCreate): Promise<void> {
    await this.enqueue({ op: "pending", address, pending: p });
    this.changed = true;
    (this.doc.pending ??= {})[address] = p;
  }

  protected mutate(rec: Rec): void {
    applyChange(this.doc, rec);
    if (rec.op === "set") this.inFlight.set(rec.address, rec.entry);
    else if (rec.op === "delete") this.inFlight.delete(rec.address);
    this.changed = true;
    // Failures are kept in `failure` (and the entry in inFlight); compact tries the whole state again.
    this.enqueue(rec).catch(() => undefined);
  }

  async compact(): Promise<void> {
    while (this.draining) await this.draining;
    if (!this.changed) return;
    if (this.failure || this.inFlight.size > 0) {
      // Some change did not reach the server: write the whole state as this apply knows it (CAS on its base).
      await this.backend.write({ ...this.doc }, this.catalog, { keepSerial: true });
    }
    await this.backend.bump(this.lineage, this.serial);
    this.doc.serial = this.serial + 1;
    this.changed = false;
    this.failure = undefined;
    this.inFlight.clear();
  }

  compactSync(): void {
    /* every change is sent as it lands; what is in flight when the process ends stays pending there */
  }

  durableNow(): void {
    /* already so: nothing waits for the end of the apply */
  }

  uncommitted(): { address: Address; entry: StateEntry }[] {
    return [...this.inFlight].flatMap(([address, entry]) => (this.doc.campaigns[address]?.id === entry.id ? [{ address, entry }] : []));
  }

  journalHolds(): boolean {
    return false;
  }

  close(): void {
    /* the backend's connection is closed by its owner */
  }
}
