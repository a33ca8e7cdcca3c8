/**
 * Editor parity, as an editor shows it: yaml-language-server (pinned devDependency) driven over stdio on
 * campaign files with the schema of their modeline (schemas/campaign.schema.json). A channel-only field
 * gets the provider rule's own words (what `validate` prints), completion offers the fields of the
 * campaign's channel only, each once, and the example campaigns are clean.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCampaignDocument } from "../src/config/campaign.js";
import { parse } from "yaml";
import { YamlLanguageServer } from "./support/yaml-ls.js";

const ROOT = new URL("..", import.meta.url).pathname;
const CAMPAIGNS = join(ROOT, "campaigns");
let ls: YamlLanguageServer;

beforeAll(async () => {
  ls = await YamlLanguageServer.start(ROOT);
}, 30_000);
afterAll(async () => ls?.stop());

const read = (rel: string) => readFileSync(join(CAMPAIGNS, rel), "utf8");
/** The text with `insert` put on a line of its own right after the line `after`. */
const withLine = (text: string, after: string, insert: string) => {
  expect(text).toContain(`${after}\n`);
  return text.replace(`${after}\n`, `${after}\n${insert}\n`);
};
/** What validate says about the same document (the provider rule's message). */
const validateMessages = (text: string) => checkCampaignDocument({ file: "x.yaml", value: parse(text) }).diagnostics.map((d) => d.message);

describe("yaml-language-server on campaign files", () => {
  it.each([
    ["puffle/linkedin-cto-outreach.yaml", "  type: linkedin", "  daily_limit: 40", "daily_limit applies only to email campaigns, but this campaign's type is linkedin"],
    ["puffle/email-renewal-nudge.yaml", "  type: email", "  skip_other_campaigns: true", "skip_other_campaigns applies only to linkedin campaigns, but this campaign's type is email"],
    ["altur/whatsapp-appointment-reminders.yaml", "  integration_type: whatsapp", "  first_message: Hola", "first_message applies only to phone_call campaigns, but this campaign's integration_type is whatsapp"],
    ["altur/q2-reactivation.yaml", "  integration_type: phone_call", "  template: reminder_v2", "template applies only to whatsapp campaigns, but this campaign's integration_type is phone_call"],
  ])("%s + %s: the editor shows validate's words for a channel-only field", async (rel, after, field, words) => {
    const text = withLine(read(rel), after, field);
    const file = join(CAMPAIGNS, rel);
    const diagnostics = await ls.diagnose(file, text);
    const line = text.split("\n").indexOf(field);
    expect(diagnostics.map((d) => d.message)).not.toContain("Matches a schema that is not allowed.");
    const here = diagnostics.filter((d) => d.range.start.line === line);
    expect(here).toHaveLength(1);
    expect(here[0]!.message.startsWith(words)).toBe(true);
    expect(validateMessages(text)).toEqual([here[0]!.message]);
  });

  it("every example campaign is clean in the editor", async () => {
    const files = readdirSync(CAMPAIGNS, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const rel of files) expect(await ls.diagnose(join(CAMPAIGNS, rel), read(rel)), rel).toEqual([]);
  });

  const EMAIL_ONLY = ["daily_limit", "stop_on_reply", "open_tracking", "signature", "account_limits"];
  const LINKEDIN_ONLY = ["skip_other_campaigns", "operating_hours"];

  /** Completion labels on an empty line in `spec`, right after `after`. */
  async function specCompletions(rel: string, after: string, drop: string[] = []): Promise<string[]> {
    let text = read(rel);
    for (const key of drop) text = text.replace(new RegExp(`^  ${key}:.*\\n(?:    .*\\n)*`, "m"), "");
    text = withLine(text, after, "  ");
    const file = join(CAMPAIGNS, rel);
    await ls.diagnose(file, text);
    return (await ls.complete(file, text.split("\n").indexOf(after) + 1, 2)).map((i) => i.label);
  }

  it("an email campaign is offered the email fields, each once, and no LinkedIn-only field", async () => {
    const labels = await specCompletions("puffle/email-renewal-nudge.yaml", "  type: email", EMAIL_ONLY);
    expect(labels).toEqual(expect.arrayContaining(EMAIL_ONLY));
    for (const f of LINKEDIN_ONLY) expect(labels).not.toContain(f);
    expect(labels.length).toBe(new Set(labels).size);
  });

  it("a LinkedIn campaign is offered the LinkedIn fields, each once, and no email-only field", async () => {
    const labels = await specCompletions("puffle/linkedin-cto-outreach.yaml", "  type: linkedin", LINKEDIN_ONLY);
    expect(labels).toEqual(expect.arrayContaining(LINKEDIN_ONLY));
    for (const f of EMAIL_ONLY) expect(labels).not.toContain(f);
    expect(labels.length).toBe(new Set(labels).size);
  });

  it("Altur: a WhatsApp campaign is not offered cycles or first_message; a phone campaign not template", async () => {
    const whatsapp = await specCompletions("altur/whatsapp-appointment-reminders.yaml", "  integration_type: whatsapp", ["template_alt"]);
    expect(whatsapp).toContain("template_alt");
    for (const f of ["cycles", "first_message"]) expect(whatsapp).not.toContain(f);
    const phone = await specCompletions("altur/q2-reactivation.yaml", "  integration_type: phone_call", ["cycles"]);
    expect(phone).toContain("cycles");
    for (const f of ["template", "template_alt"]) expect(phone).not.toContain(f);
    for (const labels of [whatsapp, phone]) expect(labels.length).toBe(new Set(labels).size);
  });
});
