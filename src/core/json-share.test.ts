import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { shareStrings } from "./json.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("shareStrings", () => {
  it("leaves every value as it was: equal strings at the same path, mismatched shapes and other types untouched", () => {
    const target = { a: "same", b: "differs", c: [1, "x", { d: "deep" }], e: { f: ["only-here"] }, g: null, h: "kind", i: "extra" };
    const reference = { a: "same", b: "other", c: [2, "x", { d: "deep" }, "more"], e: ["not an object"], g: "text", h: { kind: 1 } };
    const before = structuredClone(target);
    shareStrings(target, reference);
    expect(target).toEqual(before);
    expect(reference).toEqual({ a: "same", b: "other", c: [2, "x", { d: "deep" }, "more"], e: ["not an object"], g: "text", h: { kind: 1 } });
  });

  it("keeps one copy of texts read twice (heap measured: a second parse of 8 MB of texts costs almost nothing once shared)", () => {
    const body = JSON.stringify({ spec: { items: Array.from({ length: 160 }, (_, i) => ({ text: `${i}:${"a".repeat(50_000)}` })), name: "b".repeat(60_000) } });
    const reference = JSON.parse(body) as unknown;
    const base = heapAfterGc();
    const unshared = JSON.parse(body) as unknown;
    const grownUnshared = heapAfterGc() - base;
    const target = JSON.parse(body) as unknown;
    shareStrings(target, reference);
    const grownShared = heapAfterGc() - base - grownUnshared;
    expect(grownUnshared).toBeGreaterThan(7_000_000);
    expect(grownShared).toBeLessThan(1_000_000);
    expect(target).toEqual(reference);
    expect(unshared).toEqual(reference);
  });
});
