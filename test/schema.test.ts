import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { kindModule, providers } from "../src/providers/registry.js";
import { REPO_ROOT } from "./validate-support.js";
import type { JsonObject } from "../src/core/json.js";
import { expandCampaignSet, isCampaignSet } from "../src/config/campaign-set.js";

type Schema = Record<string, unknown>;
type GenSchemas = {
  generateAll: () => Promise<Record<string, string>>;
  discoverKinds: () => Promise<{ kind: string; provider: string; file: string }[]>;
};
const ENVELOPE = "src/config/schema/envelope.schema.json";

const load = (name: string): Schema => JSON.parse(readFileSync(join(REPO_ROOT, "schemas", name), "utf8")) as Schema;
const SCHEMAS = { "campaign.schema.json": load("campaign.schema.json"), "campaignctl.schema.json": load("campaignctl.schema.json") };

/** Every subschema with its JSON pointer. */
function* walk(node: unknown, pointer = "#"): Generator<[string, Schema]> {
  if (typeof node !== "object" || node === null) return;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${pointer}/${i}`);
    return;
  }
  yield [pointer, node as Schema];
  for (const [key, value] of Object.entries(node)) {
    // `const`, `enum`, `default` hold values, not schemas.
    if (key === "const" || key === "enum" || key === "default") continue;
    yield* walk(value, `${pointer}/${key}`);
  }
}

/** if/then branches only select a $def; they are not places where fields are declared. */
const IN_CONDITION = /\/(if|then)(\/|$)/;

/** Objects that are open on purpose: the envelope's spec (closed by the per-kind if/then) and opaque JSON. */
// audience.columns is a map (provider field → header); its keys are checked against the provider's roster fields by src/config/audience.ts.
const OPEN_OBJECTS = ["#/properties/spec", "#/$defs/PuffleSpec/properties/operating_hours", "#/$defs/Audience/properties/columns"];

describe.each(Object.entries(SCHEMAS))("%s", (_name, schema) => {
  it("is draft 2020-12 with an $id, a title and a description", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toMatch(/^https:\/\/.+\.schema\.json$/);
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.description).toEqual(expect.any(String));
  });

  it("describes every property (yaml-language-server shows it as help)", () => {
    const undocumented: string[] = [];
    for (const [pointer, node] of walk(schema)) {
      if (IN_CONDITION.test(pointer)) continue;
      const properties = node.properties as Record<string, Schema> | undefined;
      if (!properties || typeof properties !== "object") continue;
      for (const [key, prop] of Object.entries(properties)) {
        if (typeof prop.description !== "string" || prop.description.length < 5) undocumented.push(`${pointer}/properties/${key}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it("rejects unknown fields everywhere a typo could hide", () => {
    const open: string[] = [];
    for (const [pointer, node] of walk(schema)) {
      if (IN_CONDITION.test(pointer)) continue;
      const isObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object"));
      if ((isObject || node.properties) && node.additionalProperties !== false) open.push(pointer);
    }
    expect(open.sort()).toEqual(OPEN_OBJECTS.filter((p) => walkHas(schema, p)).sort());
  });

  it("explains every pattern (patternErrorMessage, shown by editors and the CLI)", () => {
    for (const [, node] of walk(schema)) {
      if (typeof node.pattern === "string") expect(node.patternErrorMessage).toMatch(/^must be /);
    }
  });
});

function walkHas(schema: Schema, pointer: string): boolean {
  for (const [p] of walk(schema)) if (p === pointer) return true;
  return false;
}

describe("campaign.schema.json contract", () => {
  const schema = SCHEMAS["campaign.schema.json"];
  const defs = schema.$defs as Record<string, Schema>;
  const props = (def: string) => defs[def]!.properties as Record<string, Schema>;

  it("selects the spec by kind with if/then", () => {
    const branches = (schema.allOf as Schema[]).map((b) => [
      ((b.if as Schema).properties as Record<string, Schema>).kind!.const,
      (((b.then as Schema).properties as Record<string, Schema>).spec as Schema).$ref,
    ]);
    expect(branches).toEqual([
      ["ExtrovertCampaign", "#/$defs/ExtrovertSpec"],
      ["PuffleCampaign", "#/$defs/PuffleSpec"],
      ["AlturCampaign", "#/$defs/AlturSpec"],
      ["ExtrovertStyle", "#/$defs/ExtrovertStyleSpec"],
      ["ExtrovertContext", "#/$defs/ExtrovertContextSpec"],
      ["ExtrovertMonitoredTopic", "#/$defs/ExtrovertMonitoredTopicSpec"],
      ["PuffleBlockedCompanies", "#/$defs/PuffleBlockedCompaniesSpec"],
    ]);
  });

  it("keeps the provider's own field names and the required sets", () => {
    expect(Object.keys(props("ExtrovertSpec"))).toEqual([
      "ownerId", "type", "name", "userStyleId", "userContextId", "postMaxAgeDays", "skipTeammatesLeads",
      "isIndirectEngagementEnabled", "postActivityFilter", "connectingSettings", "dmSettings", "applyCommentIntervalH",
    ]);
    // What a create needs and has no documented default (src/providers/extrovert/README.md §4); TARGET_USER also
    // skipTeammatesLeads. The rest is filled: defaults, last applied values, or the "off" forms.
    expect(defs.ExtrovertSpec!.required).toEqual(["ownerId", "type", "name", "userStyleId", "userContextId", "postActivityFilter"]);
    expect(defs.ExtrovertSpec!.allOf).toEqual([
      expect.objectContaining({ if: expect.objectContaining({ properties: { type: { const: "TARGET_USER" } } }), then: expect.objectContaining({ required: ["skipTeammatesLeads"] }) }),
    ]);
    for (const nested of ["ExtrovertPostActivityFilter", "ExtrovertConnectingSettings", "ExtrovertDmSettings"]) {
      expect(defs[nested]!.required).toEqual(Object.keys(props(nested)));
    }
    expect(Object.keys(props("ExtrovertConnectingSettings"))).toHaveLength(7);
    expect(Object.keys(props("ExtrovertDmSettings"))).toHaveLength(7);
    expect(Object.keys(props("PuffleSpec"))).toEqual([
      "type", "name", "sender_account_ids", "skip_other_campaigns", "operating_hours", "daily_limit", "stop_on_reply",
      "open_tracking", "signature", "account_limits", "sequence_nodes", "status",
    ]);
    expect(defs.PuffleSpec!.required).toEqual(["type", "name", "sender_account_ids"]);
    expect(Object.keys(props("PuffleSequenceNode"))).not.toContain("id");
    expect(Object.keys(props("PuffleSequenceNode"))).not.toContain("position");
    expect(Object.keys(props("AlturSpec"))).toEqual([
      "name", "agent_id", "integration_id", "integration_type", "description", "timezone", "retries", "message_limit",
      "first_message", "template", "template_alt", "scheduling", "cycles", "status", "archived",
    ]);
    expect(defs.AlturSpec!.required).toEqual(["name", "agent_id", "integration_id", "integration_type"]);
    expect(((defs.Metadata!.properties as Record<string, Schema>).name as Schema).pattern).toBe("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  });
});

describe("generated files (scripts/gen-schemas.mjs)", () => {
  const generator = () => import(pathToFileURL(join(REPO_ROOT, "scripts", "gen-schemas.mjs")).href) as Promise<GenSchemas>;

  it("match their sources: regenerating gives exactly the committed editor schema, types and validators", async () => {
    const files = await (await generator()).generateAll();
    expect(Object.keys(files).sort()).toEqual([
      "schemas/campaign-set.schema.json",
      "schemas/campaign.schema.json",
      "schemas/suppression-list.schema.json",
      "src/config/generated/validators.ts",
      "src/config/generated/workspace-config.ts",
      "src/providers/generated/campaign.ts",
    ]);
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(REPO_ROOT, path), "utf8"), `${path} is stale: run npm run gen`).toBe(content);
    }
  });

  it("the kinds with a schema in src/providers/<provider>/schema/ are exactly the kinds the registry offers", async () => {
    const found = await (await generator()).discoverKinds();
    const offered = providers().flatMap((p) => p.kinds.map((k) => `${p.id}/${k.kind}`));
    expect(found.map((k) => `${k.provider}/${k.kind}`).sort()).toEqual(offered.sort());
    for (const { kind, provider } of found) expect(kindModule(kind)?.provider.id, kind).toBe(provider);
  });

  it("each schema source is a draft 2020-12 schema that compiles on its own (editors can open it)", async () => {
    const found = await (await generator()).discoverKinds();
    const sources = [ENVELOPE, ...found.map((k) => k.file)];
    expect(sources).toContain("src/providers/puffle/schema/PuffleCampaign.schema.json");
    for (const file of sources) {
      const ajv = new Ajv2020({ strict: true, strictTypes: false, logger: false });
      addFormats.default(ajv);
      ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
      const dir = join(REPO_ROOT, file, "..");
      const base = pathToFileURL(join(REPO_ROOT, file)).href;
      for (const name of readdirSync(dir).filter((n) => n.endsWith(".defs.json"))) {
        ajv.addSchema({ ...(JSON.parse(readFileSync(join(dir, name), "utf8")) as Schema), $id: new URL(name, base).href });
      }
      const schema = JSON.parse(readFileSync(join(REPO_ROOT, file), "utf8")) as Schema;
      expect(schema.$schema, file).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(() => ajv.compile({ ...schema, $id: base }), file).not.toThrow();
    }
  });
});

describe("campaigns/ examples", () => {
  const files: string[] = [];
  const collect = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) collect(join(dir, e.name));
      else if (/\.ya?ml$/.test(e.name)) files.push(relative(REPO_ROOT, join(dir, e.name)));
    }
  };
  collect(join(REPO_ROOT, "campaigns"));
  files.sort();
  const docs = files.map((f) => ({ file: f, text: readFileSync(join(REPO_ROOT, f), "utf8") }));
  /** A file's campaign documents: itself, or a CampaignSet's expansion (docs/design.md §13). */
  const expanded = (text: string): { kind: string; audience?: { files: string[] } }[] => {
    const doc = parse(text) as JsonObject;
    return isCampaignSet(doc) ? expandCampaignSet(doc).instances.map((i) => i.document as never) : [doc as never];
  };

  it("one file per campaign in a folder per provider (the objects campaigns use in its shared/), each pointing editors at the schema", () => {
    for (const { file, text } of docs) {
      const [, folder, sub] = file.split("/");
      const shared = sub === "shared";
      for (const doc of expanded(text)) {
        if (shared) expect(doc.kind.toLowerCase()).toMatch(new RegExp(`^${folder}(style|context|monitoredtopic)$`));
        else expect(doc.kind.toLowerCase()).toBe(`${folder}campaign`);
      }
      const schema = isCampaignSet(parse(text)) ? "campaign-set.schema.json" : "campaign.schema.json";
      expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${shared ? "../../../" : "../../"}schemas/${schema}`);
    }
  });

  it("the Puffle and Altur examples name audience files that exist (made-up people only)", () => {
    for (const { file, text } of docs) for (const doc of expanded(text)) {
      if (doc.kind.startsWith("Extrovert")) continue;
      expect(doc.audience?.files.length, file).toBeGreaterThan(0);
      for (const f of doc.audience!.files) {
        const csv = readFileSync(join(REPO_ROOT, file, "..", f), "utf8");
        // example.com addresses, …/in/example-… profiles, +1 202 555 01xx (the fictional range).
        for (const cell of csv.split(/[\n,]/)) {
          if (cell.includes("@")) expect(cell).toMatch(/@example\.com$/);
          if (cell.startsWith("+")) expect(cell).toMatch(/^\+120255501\d\d$/);
          if (cell.includes("linkedin.com")) expect(cell).toMatch(/\/in\/example-/);
        }
      }
    }
  });

  it("cover the required variety", () => {
    const specs = docs.map(({ text }) => parse(text) as { kind: string; spec: Record<string, unknown> });
    const of = (kind: string) => specs.filter((d) => d.kind === kind).map((d) => d.spec);
    expect(of("ExtrovertCampaign").map((s) => s.type).sort()).toEqual(["KEYWORD", "TARGET_USER"]);
    expect(of("PuffleCampaign").map((s) => `${s.type}:${s.status}`).sort()).toEqual(["email:active", "email:paused", "linkedin:draft"]);
    const altur = of("AlturCampaign").map((s) => `${s.integration_type}:${(s.cycles as { mode?: string } | undefined)?.mode ?? "-"}`);
    expect(altur.sort()).toEqual(["phone_call:cooldown", "phone_call:scheduled", "whatsapp:-"]);
  });
});
