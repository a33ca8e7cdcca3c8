import { describe, expect, it } from "vitest";
import { sharedJson, sharedSubtrees } from "../src/core/json.js";
import type { JsonObject } from "../src/core/json.js";

const week = () => ({ monday: { startTime: "09:00", stopTime: "17:00", active: true }, sunday: { active: false } });

describe("sharedSubtrees: equal short subtrees are one frozen copy", () => {
  it("two specs with equal weeks hold the same week object, frozen, equal to what was given", () => {
    const a = sharedSubtrees({ name: "a", scheduling: week() });
    const b = sharedSubtrees({ name: "b", scheduling: week() });
    expect(a.scheduling).toBe(b.scheduling);
    expect(Object.isFrozen(a.scheduling)).toBe(true);
    expect(a.scheduling).toEqual(week());
    expect(Object.isFrozen(a)).toBe(false); // the top is the caller's own
  });

  it("a subtree first seen inside a larger one is found again on its own (and the other way round)", () => {
    const inner = sharedSubtrees({ s: { statuses: ["queue", "failed", "x-inner-1"] } });
    const outer = sharedJson({ statuses: ["queue", "failed", "x-inner-1"] });
    expect(outer).toBe(inner.s);
    const day = sharedJson({ startTime: "10:00", stopTime: "11:00", active: true });
    const w = sharedSubtrees({ w: { tuesday: { startTime: "10:00", stopTime: "11:00", active: true } } });
    expect((w.w as JsonObject).tuesday).toBe(day);
  });

  it("key order is part of equality", () => {
    const a = sharedJson({ x: 1, y: 2, tag: "order-1" });
    const b = sharedJson({ y: 2, x: 1, tag: "order-1" });
    expect(a).not.toBe(b);
    expect(Object.keys(b)).toEqual(["y", "x", "tag"]);
  });

  it("values JSON does not keep exactly are never shared with what they would print as", () => {
    const withNull = sharedJson({ v: null, tag: "exact-1" });
    const withNaN = sharedJson({ v: Number.NaN, tag: "exact-1" });
    expect(withNaN).not.toBe(withNull);
    expect(Number.isNaN((withNaN as JsonObject).v)).toBe(true);
    const zero = sharedJson({ v: 0, tag: "exact-2" });
    const minusZero = sharedJson({ v: -0, tag: "exact-2" });
    expect(Object.is((minusZero as JsonObject).v, -0)).toBe(true);
    expect(minusZero).not.toBe(zero);
    const withUndefined = sharedJson({ a: undefined, tag: "exact-3" } as unknown as JsonObject);
    expect(withUndefined).not.toBe(sharedJson({ tag: "exact-3" }));
    expect(Object.keys(withUndefined)).toEqual(["a", "tag"]);
    // Found in the table first, then asked again with a NaN inside: a copy, not the shared null one.
    sharedJson([1, null, "exact-4"]);
    const again = sharedJson([1, Number.NaN, "exact-4"]);
    expect(Number.isNaN((again as unknown[])[1])).toBe(true);
  });

  it("a subtree longer than 512 characters is copied, its short parts still shared", () => {
    const long = "x".repeat(600);
    const a = sharedSubtrees({ steps: [{ text: long }, { delay: 3, unit: "days" }] });
    const b = sharedSubtrees({ steps: [{ text: long }, { delay: 3, unit: "days" }] });
    expect(a.steps).not.toBe(b.steps);
    expect(Object.isFrozen(a.steps)).toBe(false);
    expect((a.steps as JsonObject[])[1]).toBe((b.steps as JsonObject[])[1]);
    expect(a).toEqual(b);
  });

  it("a __proto__ key stays an own key", () => {
    const parsed = JSON.parse('{"o":{"__proto__":{"polluted":true},"k":"proto-1"}}') as JsonObject;
    const out = sharedSubtrees(parsed);
    expect(Object.hasOwn(out.o as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(sharedSubtrees(JSON.parse('{"o":{"__proto__":{"polluted":true},"k":"proto-1"}}') as JsonObject).o).toBe(out.o);
  });

  it("arrays come back exactly as long as their items", () => {
    const list: number[] = [];
    for (let i = 0; i < 3; i++) list.push(i);
    const out = sharedJson(list);
    expect(out).toEqual([0, 1, 2]);
    expect(out.length).toBe(3);
  });
});
