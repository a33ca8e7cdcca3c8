/**
 * The state's layout on disk (issue 30 "state that fits in Git at any size", src/state/state-file.ts):
 * one file while small, a head plus per-account, content-addressed parts above SPLIT_BYTES; the automatic
 * migration from today's single file (serial and lineage kept), writes that add only the parts that
 * changed, the journal on top of a split state, and the largest file of a big synthetic state.
 * CAMPAIGNCTL_STATE_SIZE_N raises the size check's count (the bench scripts/bench/state-size.ts prints
 * 10k/30k/100k).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { catalog } from "../src/providers/registry.js";
import { readState, StateStore } from "../src/state/journal.js";
import { partsDirOf, PART_BYTES, readStateFile, serializeState, writeState } from "../src/state/state-file.js";
import { syntheticEntry, syntheticState } from "./support/synthetic-state.js";

let dir: string;
let file: string;
const saved = { split: process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES, part: process.env.CAMPAIGNCTL_STATE_PART_BYTES };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "campaignctl-layout-"));
  file = join(dir, "campaignctl.state.json");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of [["CAMPAIGNCTL_STATE_SPLIT_BYTES", saved.split], ["CAMPAIGNCTL_STATE_PART_BYTES", saved.part]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const parts = () => (existsSync(partsDirOf(file)) ? readdirSync(partsDirOf(file)).sort() : []);
const head = () => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

describe("state layout", () => {
  it("a small state stays one pretty-printed file, exactly as before", async () => {
    const doc = syntheticState(30, 2);
    await writeState(file, doc);
    expect(readFileSync(file, "utf8")).toBe(serializeState({ ...doc }));
    expect(head().version).toBe(1);
    expect(existsSync(partsDirOf(file))).toBe(false);
  });

  it("migrates a single file to per-account parts on the first write above the threshold, keeping lineage and serial order; reads back the same", async () => {
    const doc = syntheticState(60, 2); // 3 providers × 2 accounts
    writeFileSync(file, serializeState(doc)); // today's single file, serial 7
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = "10000";
    const before = await readStateFile(file, catalog);
    await writeState(file, before);
    const h = head();
    expect(h.version).toBe(2);
    expect(h.serial).toBe(8);
    expect(h.lineage).toBe(doc.lineage);
    expect(h.campaigns).toBeUndefined();
    expect(parts().map((p) => p.replace(/\.[0-9a-f]{16}\.json$/, ""))).toEqual([
      "altur.client-0",
      "altur.client-1",
      "extrovert.client-0",
      "extrovert.client-1",
      "puffle.client-0",
      "puffle.client-1",
    ]);
    expect(h.parts).toEqual(parts());
    // One line per campaign in a part: diffs stay per campaign.
    const one = readFileSync(join(partsDirOf(file), parts()[0] as string), "utf8").split("\n");
    expect(one[0]).toBe('{"version":2,"campaigns":{');
    expect(one).toHaveLength(10 + 3);
    const back = await readState(file, catalog);
    expect(back.campaigns).toEqual(doc.campaigns);
    expect(back.serial).toBe(8);
  });

  it("a write adds only the parts that changed (the others keep their file) and removes the parts no head lists; a shrunken state goes back to one file", async () => {
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = "10000";
    const doc = syntheticState(60, 2);
    await writeState(file, doc);
    const first = parts();
    const inode = new Map(first.map((p) => [p, statSync(join(partsDirOf(file), p)).ino]));
    const { address, entry } = syntheticEntry(3, 2); // puffle, client-1
    doc.campaigns[address] = { ...entry, id: "changed" };
    await writeState(file, doc);
    const second = parts();
    const changed = second.filter((p) => !first.includes(p));
    expect(changed.map((p) => p.split(".").slice(0, 2).join("."))).toEqual(["puffle.client-1"]);
    expect(second).toHaveLength(6);
    for (const p of second.filter((x) => first.includes(x))) expect(statSync(join(partsDirOf(file), p)).ino).toBe(inode.get(p));
    expect((await readState(file, catalog)).campaigns[address]?.id).toBe("changed");
    // A leftover part of a crashed write (listed by no head) goes with the next write.
    writeFileSync(join(partsDirOf(file), "puffle.client-9.0123456789abcdef.json"), "{}");
    // And so does the temp file of a killed writer (pid 999999 runs nowhere here).
    writeFileSync(join(partsDirOf(file), ".puffle.client-9.0123456789abcdef.json.999999.1.tmp"), "{");
    await writeState(file, doc);
    expect(parts()).not.toContain("puffle.client-9.0123456789abcdef.json");
    expect(parts()).not.toContain(".puffle.client-9.0123456789abcdef.json.999999.1.tmp");
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = String(10 * 1024 * 1024);
    await writeState(file, doc);
    expect(head().version).toBe(1);
    expect(existsSync(partsDirOf(file))).toBe(false);
    expect((await readState(file, catalog)).campaigns).toEqual(doc.campaigns);
  });

  it("an account larger than a part is spread over 2^k parts by address; a missing part is a clear error", async () => {
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = "10000";
    process.env.CAMPAIGNCTL_STATE_PART_BYTES = "20000";
    const doc = syntheticState(300, 1);
    await writeState(file, doc);
    const puffle = parts().filter((p) => p.startsWith("puffle.default."));
    expect(puffle.length).toBeGreaterThanOrEqual(4);
    for (const p of puffle) expect(p).toMatch(/^puffle\.default\.b\d+of(4|8|16)\.[0-9a-f]{16}\.json$/);
    expect(Object.keys((await readState(file, catalog)).campaigns)).toHaveLength(300);
    rmSync(join(partsDirOf(file), puffle[0] as string));
    await expect(readState(file, catalog)).rejects.toThrow(/lists the part puffle\.default\.b\d+of\d+\.[0-9a-f]+\.json, but .* is missing; restore campaignctl\.state\.d\/ from Git with the head file/);
  });

  it("the journal of an apply on a split state is replayed and folded into new parts", async () => {
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = "10000";
    await writeState(file, syntheticState(60, 2));
    const store = await StateStore.open(file, catalog);
    const { address, entry } = syntheticEntry(1000, 2);
    await store.pending(address, { provider: entry.provider, account: entry.account, kind: entry.kind, name: "n", digest: "d", idempotencyKey: "k", at: entry.appliedAt });
    store.set(address, entry);
    await store.durable();
    store.close(); // as if killed: the journal stays
    const replayed = await readState(file, catalog);
    expect(replayed.campaigns[address]?.id).toBe(entry.id);
    const again = await StateStore.open(file, catalog);
    again.close();
    expect(head().serial).toBe(9);
    expect(existsSync(`${file}.journal`)).toBe(false);
    expect((await readStateFile(file, catalog)).campaigns[address]?.id).toBe(entry.id);
  });

  const N = Number(process.env.CAMPAIGNCTL_STATE_SIZE_N ?? 6000);
  it(`${N} synthetic campaigns in one account per provider: the largest file stays under PART_BYTES and far under GitHub's 50 MB`, async () => {
    const doc = syntheticState(N, 1);
    const single = Buffer.byteLength(serializeState(doc));
    await writeState(file, doc);
    const sizes = [statSync(file).size, ...parts().map((p) => statSync(join(partsDirOf(file), p)).size)];
    const largest = Math.max(...sizes);
    expect(largest).toBeLessThan(PART_BYTES);
    expect(largest).toBeLessThan(single);
    expect(Object.keys((await readState(file, catalog)).campaigns)).toHaveLength(N);
    console.log(`[state-layout] ${N} campaigns: one file would be ${(single / 1048576).toFixed(2)} MB; ${sizes.length} files, largest ${(largest / 1048576).toFixed(2)} MB`);
  }, 120_000);
});
