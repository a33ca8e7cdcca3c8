/** --target/--exclude selection (src/engine/targets.ts): shell globs through minimatch, prefix targets, bad patterns. */
import { describe, expect, it } from "vitest";
import type { StateDocument, Workspace } from "../src/core/types.js";
import { TargetSelectionError, patternProblem, selectAddresses } from "../src/engine/targets.js";

const ADDRESSES = [
  "altur/default/q2-reactivation",
  "altur/default/renewals-scheduled",
  "altur/default/whatsapp-appointment-reminders",
  "altur/emea/webinar",
  "extrovert/default/founders-engagement",
  "extrovert/default/style/founder-voice",
  "extrovert/default/topic/ai-agents",
  "puffle/default/email-nurture",
];
// Only the addresses are read: the campaigns declared, and one more recorded in state alone.
const workspace = { campaigns: ADDRESSES.slice(0, -1).map((address) => ({ address })) } as unknown as Workspace;
const state = { version: 1, serial: 1, campaigns: { "puffle/default/email-nurture": {} } } as unknown as StateDocument;
const select = (targets?: string[], exclude?: string[]) => selectAddresses(workspace, state, targets, exclude);

describe("target selection", () => {
  it.each([
    ["altur/default/[!w]*", ["altur/default/q2-reactivation", "altur/default/renewals-scheduled"]],
    ["altur/default/[^w]*", ["altur/default/q2-reactivation", "altur/default/renewals-scheduled"]],
    ["altur/default/[w]*", ["altur/default/whatsapp-appointment-reminders"]],
    ["altur/*/{q2-*,webinar}", ["altur/default/q2-reactivation", "altur/emea/webinar"]],
    ["altur", ADDRESSES.slice(0, 4)],
    ["altur/*", ADDRESSES.slice(0, 4)],
    ["altur/default", ADDRESSES.slice(0, 3)],
    ["extrovert", ADDRESSES.slice(4, 7)],
    ["extrovert/default/style", ["extrovert/default/style/founder-voice"]],
    ["extrovert/*/*/ai-*", ["extrovert/default/topic/ai-agents"]],
    ["*/default/?2-*", ["altur/default/q2-reactivation"]],
    ["**", ADDRESSES],
    ["puffle/default/email-nurture", ["puffle/default/email-nurture"]],
  ])("--target %s", (pattern, expected) => {
    expect(select([pattern])?.sort()).toEqual([...expected].sort());
  });

  it("--exclude takes the same patterns", () => {
    expect(select(undefined, ["altur", "extrovert/*"])).toEqual(["puffle/default/email-nurture"]);
    expect(select(["altur"], ["altur/default/[!q]*"])).toEqual(["altur/default/q2-reactivation", "altur/emea/webinar"]);
  });

  it("a segment prefix is not a name prefix: alt selects nothing and suggests", () => {
    expect(() => select(["alt"])).toThrow(TargetSelectionError);
    expect(() => select(["altur/def"])).toThrow(/unknown --target altur\/def/);
  });

  it.each([
    ["altur/default/[z-a]*", "character 16: the range z-a in [z-a] is reversed (write a-z)"],
    ["a/[!9-0x]", "character 5: the range 9-0 in [!9-0x] is reversed (write 0-9)"],
  ])("%s is a located user error", (pattern, problem) => {
    expect(patternProblem(pattern)).toBe(problem);
    expect(() => select([pattern])).toThrow(`--target ${pattern} is not a valid pattern: ${problem}`);
  });

  it.each(["a/[a-z]*", "a/[]a]", "a/[abc", "a/\\[z-a]", "a/[-z]", "a/[a-]"])("%s is a valid pattern", (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });
});
