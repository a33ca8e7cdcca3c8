import { describe, expect, it } from "vitest";
import type { JsonObject } from "../core/json.js";
import { checkCampaignSet, expandCampaignSet } from "./campaign-set.js";
import { parseYamlMapping } from "./source.js";

const template: JsonObject = {
  kind: "PuffleCampaign",
  spec: {
    type: "email",
    name: "CTO outreach ${name} (${lang})",
    daily_limit: "${limit}",
    sender_account_ids: "${senders}",
    sequence_nodes: [{ type: "email", subject: "Hi $${first_name}, ${lang}", body: "Hi" }, { type: "end" }],
  },
};
const set = (spec: JsonObject): JsonObject => ({ apiVersion: "campaignctl/v1", kind: "CampaignSet", metadata: { name: "cto" }, spec });

describe("expandCampaignSet", () => {
  it("expands instances in order, substitutes inside strings, keeps the type of a whole ${var}, writes $${ as ${", () => {
    const { instances, issues } = expandCampaignSet(set({ instances: [{ name: "dach", lang: "de", limit: 30, senders: ["s1", "s2"] }, { name: "uk", lang: "en", limit: 5, senders: [] }], template }));
    expect(issues).toEqual([]);
    expect(instances.map((i) => [i.set, i.instance, i.declaredAt])).toEqual([["cto", "dach", ["spec", "instances", 0]], ["cto", "uk", ["spec", "instances", 1]]]);
    expect(instances[0]!.document).toEqual({
      apiVersion: "campaignctl/v1",
      kind: "PuffleCampaign",
      metadata: { name: "cto-dach" },
      spec: {
        type: "email",
        name: "CTO outreach dach (de)",
        daily_limit: 30,
        sender_account_ids: ["s1", "s2"],
        sequence_nodes: [{ type: "email", subject: "Hi ${first_name}, de", body: "Hi" }, { type: "end" }],
      },
    });
  });

  it.each([
    ["a number inside text", 30, "x 30"],
    ["a boolean inside text", true, "x true"],
    ["null inside text", null, "x null"],
  ])("writes %s as its text", (_what, value, expected) => {
    const { instances } = expandCampaignSet(set({ instances: [{ name: "a", v: value }], template: { kind: "K", spec: { s: "x ${v}", whole: "${v}" } } }));
    expect(instances[0]!.document.spec).toEqual({ s: expected, whole: value });
  });

  it("keeps metadata.account from the template and names each campaign <set>-<instance>", () => {
    const { instances } = expandCampaignSet(set({ instances: [{ name: "a" }], template: { kind: "K", metadata: { account: "latam" }, spec: {}, audience: { files: ["../a-${name}.csv"] } } }));
    expect(instances[0]!.document).toEqual({ apiVersion: "campaignctl/v1", kind: "K", metadata: { account: "latam", name: "cto-a" }, spec: {}, audience: { files: ["../a-a.csv"] } });
  });

  it("expands a matrix into every combination, the first variable varying slowest, named by the values joined by -", () => {
    const { instances, issues } = expandCampaignSet(set({ matrix: { segment: ["cto", "cfo"], lang: ["en", "de", "fr"], wave: [2] }, template: { kind: "K", spec: { n: "${name}", l: "${lang}", w: "${wave}" } } }));
    expect(issues).toEqual([]);
    expect(instances.map((i) => i.instance)).toEqual(["cto-en-2", "cto-de-2", "cto-fr-2", "cfo-en-2", "cfo-de-2", "cfo-fr-2"]);
    expect(instances[4]!.document.spec).toEqual({ n: "cfo-de-2", l: "de", w: 2 });
  });

  it.each([
    ["unknown variable", { instances: [{ name: "a" }], template: { kind: "K", spec: { x: ["ok", "${nope}"] } } }, "SET_UNKNOWN_VARIABLE", ["spec", "template", "spec", "x", 1], "cto[a]: unknown variable ${nope} in spec.x.1; this instance defines: name"],
    ["unclosed ${", { instances: [{ name: "a" }], template: { kind: "K", spec: { x: "a ${name" } } }, "SET_BAD_SUBSTITUTION", ["spec", "template", "spec", "x"], 'cto[a]: unclosed "${" in spec.x; write $${ for a literal "${"'],
    ["not a variable name", { instances: [{ name: "a" }], template: { kind: "K", spec: { x: "${a b}" } } }, "SET_BAD_SUBSTITUTION", ["spec", "template", "spec", "x"], undefined],
    ["a list inside text", { instances: [{ name: "a", l: [1] }], template: { kind: "K", spec: { x: "a ${l}" } } }, "SET_VARIABLE_NOT_TEXT", ["spec", "template", "spec", "x"], undefined],
    ["duplicate instance", { instances: [{ name: "a" }, { name: "a" }], template: { kind: "K", spec: {} } }, "SET_DUPLICATE_INSTANCE", ["spec", "instances", 1, "name"], undefined],
    ["invalid instance name", { instances: [{ name: "A_b" }], template: { kind: "K", spec: {} } }, "SET_INSTANCE_NAME", ["spec", "instances", 0, "name"], undefined],
    ["name too long", { instances: [{ name: "x".repeat(60) }], template: { kind: "K", spec: {} } }, "SET_NAME_TOO_LONG", ["spec", "instances", 0, "name"], undefined],
    ["matrix variable called name", { matrix: { name: ["a"] }, template: { kind: "K", spec: {} } }, "SET_MATRIX_NAME", ["spec", "matrix", "name"], undefined],
    ["matrix value not a name segment", { matrix: { lang: ["EN"] }, template: { kind: "K", spec: {} } }, "SET_INSTANCE_NAME", ["spec", "matrix"], undefined],
  ])("%s is a located error naming the instance", (_what, spec, code, path, message) => {
    const { instances, issues } = expandCampaignSet(set(spec as JsonObject));
    expect(issues.map((i) => [i.code, i.path])).toEqual([[code, path]]);
    if (message) expect(issues[0]!.message).toBe(message);
    if (code !== "SET_MATRIX_NAME") expect(issues[0]!.message).toMatch(/^cto\[[^\]]+\]: /);
    expect(instances.length).toBeLessThanOrEqual(1);
  });
});

describe("checkCampaignSet", () => {
  const check = (text: string) => {
    const parsed = parseYamlMapping(text, "set.yaml");
    return checkCampaignSet(parsed.value as JsonObject, "set.yaml", parsed.source);
  };
  const head = "apiVersion: campaignctl/v1\nkind: CampaignSet\nmetadata:\n  name: cto\nspec:\n";

  it("locates a problem of an expanded campaign at the template line and names the instance", () => {
    const result = check(`${head}  instances:\n    - { name: a, n: 30 }\n    - { name: b, n: "x" }\n  template:\n    kind: PuffleCampaign\n    spec:\n      type: email\n      name: N\n      daily_limit: "\${n}"\n      sender_account_ids: [f0000000-0000-4000-8000-000000000002]\n      sequence_nodes: [{ type: email, subject: s, body: b }, { type: end }]\n`);
    const all = [...result.diagnostics, ...result.instances.flatMap((i) => i.diagnostics)];
    expect(all.map((d) => [d.code, d.line, d.message.slice(0, 8)])).toEqual([["SCHEMA_TYPE", 14, "cto[b]: "]]);
    expect(result.instances[0]!.decl).toMatchObject({ address: "puffle/default/cto-a", set: { name: "cto", instance: "a" }, source: { file: "set.yaml", line: 7 } });
    expect(result.instances[0]!.decl!.locate!(["spec", "daily_limit"])).toMatchObject({ line: 14 });
    expect(result.instances[0]!.decl!.locate!(["metadata", "name"])).toMatchObject({ line: 4 });
  });

  it("an unknown kind in the template is located at template.kind, per instance", () => {
    const result = check(`${head}  instances: [{ name: a }]\n  template:\n    kind: NoSuchCampaign\n    spec: {}\n`);
    expect(result.instances[0]!.diagnostics.map((d) => [d.line, d.message.startsWith("cto[a]: ")])).toEqual([[8, true]]);
  });

  it.each([
    ["both instances and matrix", "  instances: [{ name: a }]\n  matrix: { x: [a] }\n  template: { kind: K, spec: {} }\n", "SET_INSTANCES_OR_MATRIX", 7],
    ["neither", "  template: { kind: K, spec: {} }\n", "SET_INSTANCES_OR_MATRIX", 5],
    ["a template with apiVersion", "  instances: [{ name: a }]\n  template: { apiVersion: campaignctl/v1, kind: K, spec: {} }\n", "SCHEMA_UNKNOWN_FIELD", 7],
  ])("%s is a located envelope error", (_what, body, code, line) => {
    const result = check(`${head}${body}`);
    expect(result.diagnostics.map((d) => d.code)).toContain(code);
    expect(result.diagnostics.find((d) => d.code === code)?.line).toBe(line);
    expect(result.instances).toEqual([]);
  });
});
