import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { setPath } from "./diff.js";
import { compactJson, pooledString, poolStrings, sharedJson, sharedSubtrees, shareStrings, type JsonObject } from "./json.js";

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

  it("pools short strings campaigns repeat: values unchanged, one copy kept (heap measured), long strings left alone", () => {
    const doc = { a: "09:00", b: ["email", { c: "draft" }], long: "z".repeat(500), n: 3, nil: null };
    poolStrings(doc);
    expect(doc).toEqual({ a: "09:00", b: ["email", { c: "draft" }], long: "z".repeat(500), n: 3, nil: null });
    expect(pooledString("q".repeat(300), (s) => `${s}!`)).toBe(`${"q".repeat(300)}!`);

    const make = () => Array.from({ length: 100_000 }, (_, i) => `${i % 10}-${"x".repeat(40)}`);
    const base = heapAfterGc();
    const unpooled = make();
    const grownUnpooled = heapAfterGc() - base;
    const pooled = make();
    poolStrings(pooled);
    const grownPooled = heapAfterGc() - base - grownUnpooled;
    expect(grownUnpooled).toBeGreaterThan(4_000_000);
    expect(grownPooled).toBeLessThan(grownUnpooled / 2);
    expect(pooled).toEqual(unpooled);
  });

  it("compactJson copies a value to size: same keys in the same order (__proto__ an own key), same items, new containers", () => {
    const value = JSON.parse('{"b":1,"a":[1,"x",{"__proto__":{"p":true},"z":null}],"2":"two","c":{"d":[]}}') as Record<string, unknown>;
    const copy = compactJson(value);
    expect(copy).toEqual(value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
    const inner = (copy.a as unknown[])[2] as object;
    expect(Object.keys(inner)).toEqual(["__proto__", "z"]);
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);

    const pushed: unknown[] = [];
    pushed.push("a", { b: ["c"] });
    const tight = compactJson(pushed);
    expect(tight).toEqual(pushed);
    expect(tight).not.toBe(pushed);
  });

  it("with subtrees, shares equal objects and lists below the top (same key order only); without, never", () => {
    const reference = { top: 1, week: { mon: { start: "09:00" } }, list: ["a", { b: 2 }], order: { x: 1, y: 2 }, other: { k: "v" } };
    const make = () => ({ top: 1, week: { mon: { start: "09:00" } }, list: ["a", { b: 2 }], order: { y: 2, x: 1 }, other: { k: "w", same: [1] } });
    const plain = make();
    shareStrings(plain, reference);
    expect(plain.week).not.toBe(reference.week);
    const shared = make();
    shareStrings(shared, reference, { subtrees: true });
    expect(shared).toEqual(make());
    expect(shared.week).toBe(reference.week);
    expect(shared.list).toBe(reference.list);
    expect(shared.order).not.toBe(reference.order);
    expect(Object.keys(shared.order)).toEqual(["y", "x"]);
    expect(shared.other).not.toBe(reference.other);
    expect(shared).not.toBe(reference);
  });

  it("sharedSubtrees: same JSON text, a new unfrozen top, equal short subtrees one frozen copy across specs (same key order only)", () => {
    const text = '{"name":"a","week":{"mon":{"start":"09:00","on":true},"tue":{"start":"09:00","on":true}},"list":["x",1.5,null],"order":{"x":1,"y":2},"__proto__":{"p":1}}';
    const one = sharedSubtrees(JSON.parse(text) as JsonObject);
    const two = sharedSubtrees(JSON.parse(text.replace('"name":"a"', '"name":"b"').replace('"x":1,"y":2', '"y":2,"x":1')) as JsonObject);
    expect(JSON.stringify(one)).toBe(text);
    expect(Object.isFrozen(one)).toBe(false);
    expect(Object.keys(one)).toEqual(["name", "week", "list", "order", "__proto__"]);
    expect(Object.getPrototypeOf(one)).toBe(Object.prototype);
    expect(two.week).toBe(one.week);
    expect((one.week as JsonObject).tue).toBe((one.week as JsonObject).mon);
    expect(two.list).toBe(one.list);
    expect(Object.isFrozen(one.week) && Object.isFrozen((one.week as JsonObject).mon) && Object.isFrozen(one.list)).toBe(true);
    expect(two.order).not.toBe(one.order);
    expect(() => {
      ((one.week as JsonObject).mon as JsonObject).start = "10:00";
    }).toThrow(TypeError);
    expect(sharedJson({ status: "active" })).toBe(sharedJson({ status: "active" }));
  });

  it("sharedSubtrees shares only what JSON keeps exactly (-0, NaN, Infinity are copied, never shared) and nothing long", () => {
    const odd = (): JsonObject => ({ a: { n: -0 }, b: { n: Number.NaN }, c: { n: Number.POSITIVE_INFINITY }, d: { n: 0 }, long: { t: "x".repeat(600) } });
    const one = sharedSubtrees(odd());
    const two = sharedSubtrees(odd());
    expect(Object.is((one.a as JsonObject).n, -0)).toBe(true);
    expect(one.a).not.toBe(two.a);
    expect(Number.isNaN((one.b as JsonObject).n)).toBe(true);
    expect(one.b).not.toBe(two.b);
    expect(one.c).not.toBe(two.c);
    expect(one.d).toBe(two.d);
    expect(one.long).not.toBe(two.long);
    expect(Object.isFrozen(one.long)).toBe(false);
  });

  it("shareStrings, poolStrings and setPath leave a frozen shared subtree as it is (setPath writes into a copy of it)", () => {
    const spec = sharedSubtrees({ week: { mon: { start: "09:00" } }, name: "n" });
    const other = sharedSubtrees({ week: { mon: { start: "09:00" } }, name: "m" });
    const target = { week: spec.week, name: "n" } as JsonObject;
    expect(() => shareStrings(target, { week: { mon: { start: "09:00" } }, name: "n" })).not.toThrow();
    expect(() => poolStrings(target)).not.toThrow();
    setPath(target, "week.mon.start", "10:00");
    expect(target.week).toEqual({ mon: { start: "10:00" } });
    expect(other.week).toEqual({ mon: { start: "09:00" } });
    expect(spec.week).toBe(other.week);
  });
});
