import { describe, expect, it } from "vitest";
import { jsonChunks } from "./json-chunks.js";

const same = (value: unknown): void => expect([...jsonChunks(value)].join("")).toBe(JSON.stringify(value, null, 2));

describe("jsonChunks", () => {
  it("joins to exactly JSON.stringify(value, null, 2)", () => {
    same({});
    same([]);
    same(null);
    same("text");
    same({ a: 1, b: undefined, c: () => 1, d: [], e: {}, f: "x\ny", g: [1, undefined, { h: [1, 2] }] });
    same({
      version: 1,
      campaigns: Array.from({ length: 50 }, (_, i) => ({ address: `puffle/default/c${i}`, changes: [{ path: "name", before: "a", after: `b${i}` }], note: undefined })),
      summary: { create: 1, update: 2 },
      errors: [],
      when: new Date(0),
    });
  });

  it("yields the top-level array items one by one", () => {
    const chunks = [...jsonChunks({ campaigns: Array.from({ length: 100 }, (_, i) => ({ i })) })];
    expect(chunks.length).toBeGreaterThan(100);
  });
});
