/**
 * Editor parity: the rules yaml-language-server can see in the JSON Schema (channel-only fields per
 * `type` / `integration_type`, node types per channel) flag what `validate` flags, and nothing the
 * example campaigns contain. validate itself compiles the schema without them (provider messages).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkCampaignDocument } from "../src/config/campaign.js";
import { expandCampaignSet, isCampaignSet } from "../src/config/campaign-set.js";
import { validateCampaignSchema } from "../src/config/schemas.js";

const ROOT = new URL("..", import.meta.url);
const raw = JSON.parse(readFileSync(new URL("schemas/campaign.schema.json", ROOT), "utf8")) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, logger: false });
addFormats.default(ajv);
ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
// Editor annotations yaml-language-server reads (scripts/gen-schemas.mjs, withEditorWords).
ajv.addKeyword({ keyword: "errorMessage", schemaType: "string" });
ajv.addKeyword({ keyword: "doNotSuggest", schemaType: "boolean" });
const editor = ajv.compile(raw);

const doc = (kind: string, spec: Record<string, unknown>) => ({ apiVersion: "campaignctl/v1", kind, metadata: { name: "x" }, spec });
const editorPaths = (value: unknown): string[] => {
  editor(value);
  return [...new Set((editor.errors ?? []).map((e) => e.instancePath))].sort();
};
const validateCodes = (value: unknown): string[] =>
  checkCampaignDocument({ file: "x.yaml", value }).diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

const puffleLinkedin = { type: "linkedin", name: "L", sender_account_ids: ["f0000000-0000-4000-8000-000000000001"], sequence_nodes: [{ type: "message", body: "Hi" }, { type: "end" }] };
const alturWhatsapp = { name: "W", agent_id: "agent_1", integration_id: "integ_1", integration_type: "whatsapp", template: "t1" };

describe("editor parity in the campaign schema", () => {
  it.each([
    ["a Puffle email-only field on a linkedin campaign", doc("PuffleCampaign", { ...puffleLinkedin, daily_limit: 40 }), "/spec/daily_limit", "PUFFLE_CHANNEL_FIELD"],
    ["a Puffle linkedin-only field on an email campaign", doc("PuffleCampaign", { ...puffleLinkedin, type: "email", sequence_nodes: [{ type: "end" }], skip_other_campaigns: true }), "/spec/skip_other_campaigns", "PUFFLE_CHANNEL_FIELD"],
    ["an email node in a linkedin sequence", doc("PuffleCampaign", { ...puffleLinkedin, sequence_nodes: [{ type: "email", body: "x" }, { type: "end" }] }), "/spec/sequence_nodes/0/type", "PUFFLE_NODE_TYPE"],
    ["a connection request in an email sequence", doc("PuffleCampaign", { ...puffleLinkedin, type: "email", sequence_nodes: [{ type: "connection_request" }, { type: "end" }] }), "/spec/sequence_nodes/0/type", "PUFFLE_NODE_TYPE"],
    ["first_message on an Altur whatsapp campaign", doc("AlturCampaign", { ...alturWhatsapp, first_message: "Hola" }), "/spec/first_message", "ALTUR_CHANNEL_FIELD"],
    ["template on an Altur phone campaign", doc("AlturCampaign", { ...alturWhatsapp, integration_type: "phone_call", template: "t1" }), "/spec/template", "ALTUR_CHANNEL_FIELD"],
  ])("%s: flagged in the editor and by validate (with the provider's message, not the schema's)", (_, value, path, code) => {
    expect(editorPaths(value)).toContain(path);
    expect(validateCodes(value)).toEqual([code]);
    expect(validateCampaignSchema(value)).toEqual([]);
  });

  it("the example campaigns pass the editor's schema too", () => {
    const dir = new URL("campaigns/", ROOT);
    for (const file of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      // roster files (CSV) under audiences/ are not campaigns
      if (!file.isFile() || !file.name.endsWith(".yaml")) continue;
      const value = parse(readFileSync(join(file.parentPath, file.name), "utf8")) as unknown;
      // A CampaignSet (docs/design.md §13): each campaign it expands into.
      const values = isCampaignSet(value) ? expandCampaignSet(value).instances.map((i) => i.document) : [value];
      for (const one of values) expect(editorPaths(one), join(file.parentPath, file.name)).toEqual([]);
    }
  });
});
