import { describe, expect, it } from "vitest";
import { dependencyWaves, fillPlaceholders, findLookups, findRefs, knownAfterApply, pendingAddresses, placeholderAddress, replaceAt } from "../src/core/refs.js";

const fields = [
  { path: "userStyleId", kind: "ExtrovertStyle" },
  { path: "postActivityFilter.monitoredTopicIds", each: true, kind: "ExtrovertMonitoredTopic" },
];

describe("references (DESIGN §11)", () => {
  it("finds each { ref } in scalar and list fields, ids left alone", () => {
    const spec = { userStyleId: { ref: "voice" }, postActivityFilter: { monitoredTopicIds: ["u-1", { ref: "ai" }] } };
    expect(findRefs(spec, fields).map((r) => [r.at, r.name, r.field.kind])).toEqual([
      [["userStyleId"], "voice", "ExtrovertStyle"],
      [["postActivityFilter", "monitoredTopicIds", 1], "ai", "ExtrovertMonitoredTopic"],
    ]);
    expect(findLookups({ ownerId: { teamMember: "ana@acme.com" } }, [{ path: "ownerId", key: "teamMember" }]).map((l) => l.query)).toEqual(["ana@acme.com"]);
    const replaced = replaceAt(spec, [{ at: ["postActivityFilter", "monitoredTopicIds", 1], value: "u-2" }]);
    expect(replaced.postActivityFilter).toEqual({ monitoredTopicIds: ["u-1", "u-2"] });
    expect(spec.postActivityFilter.monitoredTopicIds[1]).toEqual({ ref: "ai" });
  });

  it("placeholders name their object and are filled in where the id is known", () => {
    const p = knownAfterApply("extrovert/default/style/voice");
    expect(placeholderAddress(p)).toBe("extrovert/default/style/voice");
    expect(placeholderAddress("e0000000-0000-4000-8000-000000000002")).toBeUndefined();
    const body = { userStyleId: p, list: [p, "x"], other: knownAfterApply("a/b/c") };
    expect([...pendingAddresses(body)].sort()).toEqual(["a/b/c", "extrovert/default/style/voice"]);
    expect(fillPlaceholders(body, (a) => (a === "a/b/c" ? undefined : "new-id"))).toEqual({ userStyleId: "new-id", list: ["new-id", "x"], other: knownAfterApply("a/b/c") });
  });

  it.each([
    ["a chain", { c: ["s", "t"], s: [], t: [] }, { waves: [["s", "t"], ["c"]] }],
    ["edges out of the graph ignored", { c: ["elsewhere"] }, { waves: [["c"]] }],
    ["a cycle", { a: ["b"], b: ["c"], c: ["a"] }, { cycle: ["a", "b", "c", "a"] }],
    ["a self reference", { a: ["a"] }, { cycle: ["a", "a"] }],
  ])("dependency waves: %s", (_, graph, expected) => {
    expect(dependencyWaves(new Map(Object.entries(graph)))).toEqual(expected);
  });
});
