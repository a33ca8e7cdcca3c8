/**
 * Journal bench (issue 30, "the journal off the event loop's critical path"): an apply-shaped load on the
 * real StateStore (src/state/journal.ts) — `concurrency` creates in flight, each awaiting its pending
 * record's durability, then a request (a timer of `requestMs`), then its `set` record — and the same load
 * on the journal as it was before (one write and one fsyncSync per record on the event loop), in the same
 * run and directory. Prints records/s, the event loop's delay (perf_hooks, p50/p99/max) and the time the
 * loop spent inside fsync.
 *
 *   npx tsx scripts/bench/journal.ts [--records N] [--concurrency C] [--request-ms MS] [--dir DIR]
 *
 * DIR defaults to a temp dir: put it on the disk the state lives on (fsync cost is the disk's).
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { PendingCreate, StateEntry } from "../../src/core/types.js";
import { catalog } from "../../src/providers/registry.js";
import { StateStore } from "../../src/state/journal.js";

function arg(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : String(fallback);
}

const RECORDS = Number(arg("records", 4000)); // creates: 2 records each (pending, set)
const CONCURRENCY = Number(arg("concurrency", 32));
const REQUEST_MS = Number(arg("request-ms", 5));
const ROOT = arg("dir", "") || mkdtempSync(join(tmpdir(), "campaignctl-journal-bench-"));

function pendingOf(i: number): PendingCreate {
  return { provider: "puffle", account: "default", kind: "PuffleCampaign", name: `Bench ${i}`, digest: "d".repeat(64), idempotencyKey: `k-${i}`, at: new Date(0).toISOString() };
}

function entryOf(i: number): StateEntry {
  return { provider: "puffle", account: "default", kind: "PuffleCampaign", id: `id-${i}`, appliedAt: new Date(0).toISOString(), applied: { name: `Bench ${i}`, steps: [{ subject: "Hello", body: "x".repeat(600) }] } };
}

interface Journal {
  pending(address: string, p: PendingCreate): Promise<void>;
  set(address: string, e: StateEntry): void;
  finish(): Promise<void>;
  fsyncMs: number;
}

/** The journal as it was before this change: every record written and fsynced on the event loop. */
function before(dir: string): Journal {
  const fd = openSync(join(dir, "campaignctl.state.json.journal"), "a");
  const j: Journal = {
    fsyncMs: 0,
    async pending(address, p) {
      write({ op: "pending", address, pending: p });
    },
    set(address, entry) {
      write({ op: "set", address, entry });
    },
    async finish() {
      closeSync(fd);
    },
  };
  function write(rec: unknown): void {
    writeSync(fd, `${JSON.stringify(rec)}\n`);
    const t = performance.now();
    fsyncSync(fd);
    j.fsyncMs += performance.now() - t;
  }
  return j;
}

/** The journal now: StateStore with group commit (fsync on the thread pool). */
async function after(dir: string): Promise<Journal> {
  const store = await StateStore.open(join(dir, "campaignctl.state.json"), catalog);
  return {
    fsyncMs: 0, // not on the event loop
    pending: (a, p) => store.pending(a, p),
    set: (a, e) => store.set(a, e),
    async finish() {
      await store.compact();
      store.close();
    },
  };
}

async function run(name: string, make: (dir: string) => Journal | Promise<Journal>): Promise<void> {
  const dir = mkdtempSync(join(ROOT, `${name}-`));
  const journal = await make(dir);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < RECORDS / 2) {
      const i = next++;
      const address = `puffle/default/c${i}`;
      await journal.pending(address, pendingOf(i));
      await new Promise((r) => setTimeout(r, REQUEST_MS)); // the create request
      journal.set(address, entryOf(i));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - started;
  await journal.finish();
  h.disable();
  const q = (p: number) => (h.percentile(p) / 1e6).toFixed(2);
  process.stdout.write(
    `${name.padEnd(7)} records ${RECORDS}, concurrency ${CONCURRENCY}, request ${REQUEST_MS} ms: ${(RECORDS / (ms / 1000)).toFixed(0)} records/s, wall ${ms.toFixed(0)} ms; ` +
      `event-loop delay p50 ${q(50)} ms, p99 ${q(99)} ms, max ${(h.max / 1e6).toFixed(2)} ms; fsync on the event loop ${journal.fsyncMs.toFixed(0)} ms\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await run("before", before);
await run("after", after);
if (arg("dir", "") === "") rmSync(ROOT, { recursive: true, force: true });
