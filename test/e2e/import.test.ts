import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeNewFile } from "../../src/cli/commands/import.js";
import { useSandbox } from "../support/sandbox.js";
import { extrovertTarget } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const EMAIL_SENDER = "f0000000-0000-4000-8000-000000000002";
const LINKEDIN_SENDER = "f0000000-0000-4000-8000-000000000001";

async function ok(res: Promise<{ status: number; body: any }>): Promise<any> {
  const r = await res;
  if (r.status >= 300) throw new Error(`provider call failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Campaigns of both providers, made the way a person would in the providers' UIs (their HTTP APIs). */
async function seedProviders(): Promise<{ puffle: Record<string, string>; altur: Record<string, string> }> {
  // A person clicking through two UIs is slower than this script: lift the simulated rate limits while seeding.
  await setRateLimit(0);
  try {
    return await seedCampaigns();
  } finally {
    await setRateLimit(null);
  }
}

async function setRateLimit(requestsPerSecond: number | null): Promise<void> {
  for (const p of ["puffle", "altur"] as const) {
    const res = await fetch(`${sb.origins[p]}/__sandbox/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ requestsPerSecond }) });
    if (!res.ok) throw new Error(`faults: ${res.status}`);
  }
}

async function seedCampaigns(): Promise<{ puffle: Record<string, string>; altur: Record<string, string> }> {
  const puffle: Record<string, string> = {};
  // Active email campaign with prospects.
  const active = await ok(sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Q2 Reactivation", sender_account_ids: [EMAIL_SENDER], daily_limit: 40, open_tracking: false, signature: "Ana, Customer Success" }));
  puffle.active = active.campaign.id;
  await ok(
    sb.request("puffle", "PATCH", `/api/campaigns/${puffle.active}`, {
      sequence_nodes: [
        { type: "email", subject: "Quick question", body: "Hi %first_name%,\n\nDo you still use our product?\n" },
        { type: "delay", delay_days: 2 },
        { type: "email", body: "Following up.", is_reply: true },
        { type: "end" },
      ],
    }),
  );
  await ok(sb.request("puffle", "POST", `/api/campaigns/${puffle.active}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }, { email: "bob@example.com" }] }));
  await ok(sb.request("puffle", "POST", `/api/campaigns/${puffle.active}/launch`));
  // Paused LinkedIn campaign with operating hours.
  const paused = await ok(
    sb.request("puffle", "POST", "/api/campaigns", {
      type: "linkedin",
      name: "CTO outreach (DACH) — Ärzte & Co",
      sender_account_ids: [LINKEDIN_SENDER],
      skip_other_campaigns: true,
      operating_hours: { timezone: "Europe/Berlin", days: { mon: { enabled: true, start: "09:00", end: "17:00" } } },
    }),
  );
  puffle.paused = paused.campaign.id;
  await ok(
    sb.request("puffle", "PATCH", `/api/campaigns/${puffle.paused}`, {
      sequence_nodes: [{ type: "connection_request", include_message: true, body: "Hi {{first_name}}!" }, { type: "delay", delay_hours: 36 }, { type: "message", body: "Thanks for connecting." }, { type: "end" }],
    }),
  );
  await ok(sb.request("puffle", "POST", `/api/campaigns/${puffle.paused}/leads`, { prospects: [{ linkedin_url: "https://www.linkedin.com/in/ada-example" }] }));
  await ok(sb.request("puffle", "POST", `/api/campaigns/${puffle.paused}/launch`));
  // The launch completes in the background: pause only once it is active (src/providers/puffle/README.md §4.6).
  while ((await ok(sb.request("puffle", "GET", `/api/campaigns/${puffle.paused}`))).campaign.status === "launching") await new Promise((r) => setTimeout(r, 50));
  await ok(sb.request("puffle", "POST", `/api/campaigns/${puffle.paused}/pause`));
  // A draft as Puffle seeds it, and a finished one.
  puffle.draft = (await ok(sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Draft ideas", sender_account_ids: [EMAIL_SENDER] }))).campaign.id;
  puffle.completed = (await ok(sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Black Friday 2024", sender_account_ids: [EMAIL_SENDER] }))).campaign.id;
  await sb.forceStatus("puffle", puffle.completed as string, "completed");

  const altur: Record<string, string> = {};
  const scheduled = await ok(
    sb.request("altur", "POST", "/campaigns", {
      name: "Renewals – July",
      agent_id: "agent_demo_01",
      integration_id: "integ_phone_01",
      integration_type: "phone_call",
      timezone: "America/Bogota",
      retries: 2,
      first_message: "Good morning!",
      scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, wed: { startTime: "10:00", stopTime: "12:00", active: true } },
      cycles: {
        enabled: true,
        mode: "scheduled",
        max_iterations: 4,
        filter_statuses: ["voicemail"],
        schedule: { thu: { startTime: "09:00", stopTime: "12:00", active: true } },
        schedule_start_date: "2025-07-01",
        schedule_end_date: "2025-07-31",
      },
    }),
  );
  altur.scheduled = String(scheduled.campaign.id);
  await ok(sb.request("altur", "POST", `/campaigns/${altur.scheduled}/activate`));
  const wa = await ok(
    sb.request("altur", "POST", "/campaigns", {
      name: "Appointment reminders",
      agent_id: "agent_demo_01",
      integration_id: "integ_wa_01",
      integration_type: "whatsapp",
      template: "appointment_reminder_v2",
      message_limit: 1000,
      scheduling: { sat: { startTime: "09:00", stopTime: "13:00", active: true } },
    }),
  );
  altur.whatsapp = String(wa.campaign.id);
  const paused2 = await ok(sb.request("altur", "POST", "/campaigns", { name: "Win-back", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", retries: 1 }));
  altur.inactive = String(paused2.campaign.id);
  await ok(sb.request("altur", "POST", `/campaigns/${altur.inactive}/activate`));
  await ok(sb.request("altur", "POST", `/campaigns/${altur.inactive}/pause`));
  await ok(sb.request("altur", "POST", `/campaigns/${altur.inactive}/archive`));
  const finished = await ok(sb.request("altur", "POST", "/campaigns", { name: "Q1 survey", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" }));
  altur.finished = String(finished.campaign.id);
  await sb.forceStatus("altur", altur.finished as string, "finished");
  return { puffle, altur };
}

async function readCampaign(name: string): Promise<{ text: string; doc: any }> {
  const text = await readFile(join(ws.dir, "campaigns", name), "utf8");
  return { text, doc: parse(text) };
}

describe("import", () => {
  it("--all for both providers writes valid files, records state, and the next plan is empty; existing files are never overwritten", async () => {
    const ids = await seedProviders();
    // A campaign file that already holds the slug of one imported campaign (an Extrovert campaign, applied).
    await ws.write("q2-reactivation", "ExtrovertCampaign", extrovertTarget);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const before = await readFile(join(ws.dir, "campaigns", "q2-reactivation.yaml"), "utf8");

    await clearLogs(sb);
    const puffle = await ws.run(["import", "--provider", "puffle", "--all"]);
    expect(puffle.code, puffle.stdout + puffle.stderr).toBe(0);
    expect(puffle.stdout).toMatch(/Imported 4 Puffle campaigns/);
    const altur = await ws.run(["import", "--provider", "altur", "--all"]);
    expect(altur.code, altur.stdout + altur.stderr).toBe(0);
    expect(altur.stdout).toMatch(/Imported 4 Altur campaigns/);
    // Reads only: list + one detail GET per campaign.
    for (const p of ["puffle", "altur"] as const) {
      const log = await sb.requests(p);
      expect(log.every((r) => r.method === "GET")).toBe(true);
      expect(log.filter((r) => /\/campaigns\/[^/]+$/.test(r.path))).toHaveLength(4);
    }

    expect(await readFile(join(ws.dir, "campaigns", "q2-reactivation.yaml"), "utf8")).toBe(before);
    expect((await readdir(join(ws.dir, "campaigns"))).sort()).toEqual([
      "appointment-reminders.yaml",
      "black-friday-2024.yaml",
      "cto-outreach-dach-arzte-co.yaml",
      "draft-ideas.yaml",
      "q1-survey.yaml",
      "q2-reactivation-2.yaml",
      "q2-reactivation.yaml",
      "renewals-july.yaml",
      "win-back.yaml",
    ]);

    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
    const validate = await ws.run(["validate"]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout + validate.stderr).not.toMatch(/warning/);

    // Puffle, active: managed fields only, nodes by content, status from live.
    const active = await readCampaign("q2-reactivation-2.yaml");
    expect(active.text).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/campaign\.schema\.json$/m);
    expect(active.doc).toEqual({
      apiVersion: "campaignctl/v1",
      kind: "PuffleCampaign",
      metadata: { name: "q2-reactivation-2", account: "default" },
      spec: {
        type: "email",
        name: "Q2 Reactivation",
        status: "active",
        sender_account_ids: [EMAIL_SENDER],
        daily_limit: 40,
        stop_on_reply: true,
        open_tracking: false,
        signature: "Ana, Customer Success",
        sequence_nodes: [
          { type: "email", subject: "Quick question", body: "Hi %first_name%,\n\nDo you still use our product?\n" },
          { type: "delay", delay_days: 2 },
          { type: "email", body: "Following up.", is_reply: true },
          { type: "end" },
        ],
      },
    });
    expect(active.text).toMatch(/account_limits: not imported/);

    const paused = await readCampaign("cto-outreach-dach-arzte-co.yaml");
    expect(paused.doc.spec).toEqual({
      type: "linkedin",
      name: "CTO outreach (DACH) — Ärzte & Co",
      status: "paused",
      sender_account_ids: [LINKEDIN_SENDER],
      skip_other_campaigns: true,
      operating_hours: { timezone: "Europe/Berlin", days: { mon: { enabled: true, start: "09:00", end: "17:00" } } },
      sequence_nodes: [{ type: "connection_request", body: "Hi {{first_name}}!", include_message: true }, { type: "delay", delay_hours: 36 }, { type: "message", body: "Thanks for connecting." }, { type: "end" }],
    });
    expect((await readCampaign("draft-ideas.yaml")).doc.spec).toMatchObject({ status: "draft", sequence_nodes: [{ type: "email" }, { type: "end" }] });
    const completed = await readCampaign("black-friday-2024.yaml");
    expect(completed.doc.spec.status).toBeUndefined();
    expect(completed.text).toMatch(/^# status: not imported — the campaign is completed/m);

    // Altur: defaults left out (time zone, inactive days, cycles off, archived false), status mapped.
    const scheduled = await readCampaign("renewals-july.yaml");
    expect(scheduled.doc.spec).toEqual({
      name: "Renewals – July",
      status: "active",
      agent_id: "agent_demo_01",
      integration_id: "integ_phone_01",
      integration_type: "phone_call",
      timezone: "America/Bogota",
      retries: 2,
      first_message: "Good morning!",
      scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, wed: { startTime: "10:00", stopTime: "12:00", active: true } },
      cycles: {
        enabled: true,
        mode: "scheduled",
        max_iterations: 4,
        filter_statuses: ["voicemail"],
        schedule: { thu: { startTime: "09:00", stopTime: "12:00", active: true } },
        schedule_start_date: "2025-07-01",
        schedule_end_date: "2025-07-31",
      },
    });
    expect(scheduled.text).toMatch(/mon: \{ startTime: "09:00", stopTime: "17:00", active: true \}/);
    const wa = await readCampaign("appointment-reminders.yaml");
    expect(wa.doc.spec).toEqual({
      name: "Appointment reminders",
      agent_id: "agent_demo_01",
      integration_id: "integ_wa_01",
      integration_type: "whatsapp",
      template: "appointment_reminder_v2",
      scheduling: { sat: { startTime: "09:00", stopTime: "13:00", active: true } },
    });
    // Fields no documented Altur response carries are inferred (and said so) or left out with a comment.
    expect(wa.text).toMatch(/^# integration_type: Altur does not return it; inferred from its WhatsApp template/m);
    expect(wa.text).toMatch(/^# message_limit, template_alt: Altur does not return them/m);
    expect(scheduled.text).toMatch(/^# cycles\.mode: Altur does not return it; scheduled is inferred from the cycle schedule/m);
    expect(wa.text).toMatch(/status: not imported — the campaign has not been activated yet \(pending\)/);
    expect((await readCampaign("win-back.yaml")).doc.spec).toMatchObject({ status: "inactive", archived: true, retries: 1 });
    const finished = await readCampaign("q1-survey.yaml");
    expect(finished.doc.spec.status).toBeUndefined();
    expect(finished.text).toMatch(/finished, and Altur keeps finished campaigns read-only/);

    // State: each id bound, applied = the imported spec.
    const state = await ws.state();
    expect(state.campaigns["puffle/default/q2-reactivation-2"]).toMatchObject({ id: ids.puffle.active, applied: active.doc.spec });
    expect(state.campaigns["altur/default/renewals-july"]).toMatchObject({ id: ids.altur.scheduled, applied: scheduled.doc.spec });

    // Again: every campaign is managed now; nothing is written, exit 0.
    const again = await ws.run(["import", "--provider", "altur", "--all"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/skipped Altur campaign \d+ "Q1 survey": already managed as altur\/default\/q1-survey/);
    expect(again.stderr).toMatch(/Nothing to import/);
  });

  it("--id imports one campaign; an id already in state is refused naming its address", async () => {
    const ids = await seedProviders();
    const res = await ws.run(["import", "--provider", "altur", "--id", ids.altur.whatsapp as string]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(await readdir(join(ws.dir, "campaigns"))).toEqual(["appointment-reminders.yaml"]);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/appointment-reminders"]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    const twice = await ws.run(["import", "--provider", "altur", "--id", ids.altur.whatsapp as string]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already managed as altur\/default\/appointment-reminders/);
    expect(await readdir(join(ws.dir, "campaigns"))).toEqual(["appointment-reminders.yaml"]);
  });

  it("--dir writes into a folder inside campaignsDir (created when missing), with the schema path relative to it", async () => {
    const ids = await seedProviders();
    const res = await ws.run(["import", "--provider", "puffle", "--id", ids.puffle.draft as string, "--dir", "campaigns/puffle/imported"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const text = await readFile(join(ws.dir, "campaigns", "puffle", "imported", "draft-ideas.yaml"), "utf8");
    const first = await readFile(join(ws.dir, "campaigns", "puffle", "imported", "draft-ideas.yaml"), "utf8").then((t) => t.split("\n")[0]);
    expect(first).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+.*schemas\/campaign\.schema\.json$/);
    expect(text).toMatch(/name: draft-ideas/);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    const outside = await ws.run(["import", "--provider", "puffle", "--all", "--dir", "elsewhere"]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/--dir elsewhere is outside the workspace's campaigns directory campaigns/);
  });

  it("an unknown id is a clear error and nothing is written", async () => {
    await seedProviders();
    const res = await ws.run(["import", "--provider", "puffle", "--id", "00000000-0000-4000-8000-00000000dead"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Puffle account default has no campaign with id "00000000-0000-4000-8000-00000000dead"; its campaigns: .*"Q2 Reactivation"/);
    expect(res.stderr).toMatch(/Nothing was imported/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(join(ws.dir, "campaigns"))).toEqual([]);
  });

  it("extrovert is refused: it has no read API (state adopt instead)", async () => {
    const res = await ws.run(["import", "--provider", "extrovert", "--all"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Extrovert has no read API/);
    expect(res.stderr).toMatch(/campaignctl state adopt extrovert\/default\/NAME --id ID/);
    const log = await sb.requests("extrovert");
    expect(log).toEqual([]);
  });

  it("usage errors: --id and --all together, neither, an unknown provider or account", async () => {
    expect((await ws.run(["import", "--provider", "altur"])).stderr).toMatch(/--id ID\.\.\. \(one or more\) or --all/);
    expect((await ws.run(["import", "--provider", "altur", "--all", "--id", "1"])).stderr).toMatch(/not both/);
    expect((await ws.run(["import", "--provider", "hubspot", "--all"])).stderr).toMatch(/unknown --provider "hubspot"/);
    const acc = await ws.run(["import", "--provider", "altur", "--account", "eu", "--all"]);
    expect(acc.code).toBe(1);
    expect(acc.stderr).toMatch(/no altur account named "eu"/);
  });

  it("a campaign declared in Git but not applied yet is not imported a second time", async () => {
    await seedProviders();
    await ws.write("mine", "AlturCampaign", { name: "Win-back", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", archived: true });
    await ws.write("reminders", "AlturCampaign", { name: "Appointment reminders", agent_id: "agent_demo_01", integration_id: "integ_wa_01", integration_type: "whatsapp" });
    const res = await ws.run(["import", "--provider", "altur", "--all"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/skipped Altur campaign \d+ "Win-back": already declared as altur\/default\/mine in campaigns\/mine\.yaml/);
    expect(res.stderr).toMatch(/skipped Altur campaign \d+ "Appointment reminders": already declared as altur\/default\/reminders/);
    expect(res.stdout).toMatch(/Imported 2 Altur campaigns/);
    expect((await readdir(join(ws.dir, "campaigns"))).sort()).toEqual(["mine.yaml", "q1-survey.yaml", "reminders.yaml", "renewals-july.yaml"]);
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    // The declared ones are adopted by name (their files set fewer fields): nothing to create.
    expect(JSON.parse(plan.stdout).summary.create).toBe(0);
  });

  it("never overwrites: writing over an existing file is refused atomically, leaving no temp file", async () => {
    const file = join(ws.dir, "campaigns", "taken.yaml");
    await writeFile(file, "# mine\n");
    expect(await writeNewFile(file, "new text")).toBe("exists");
    expect(await readFile(file, "utf8")).toBe("# mine\n");
    const fresh = join(ws.dir, "campaigns", "fresh.yaml");
    expect(await writeNewFile(fresh, "new text")).toBe("written");
    expect(await readFile(fresh, "utf8")).toBe("new text");
    expect((await readdir(join(ws.dir, "campaigns"))).sort()).toEqual(["fresh.yaml", "taken.yaml"]);
  });
});
