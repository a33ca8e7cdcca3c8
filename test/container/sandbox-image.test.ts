/**
 * Container suite: builds the sandbox image (Dockerfile) with testcontainers, starts it with host
 * networking, and exercises it end to end from outside the container — the way users run the sandbox
 * in their own CI, as a separate host.
 *
 * Runtime: any Docker-compatible API (DOCKER_HOST). In CI, .ci/run sets up podman and a local Node base
 * image first (scripts/ci/setup-container-runtime.sh) and exports DOCKER_HOST, CAMPAIGNCTL_BASE_IMAGE,
 * TESTCONTAINERS_RYUK_DISABLED and TESTCONTAINERS_HOST_OVERRIDE. Without a runtime the suite is skipped
 * with a message — except with CI=true, where a missing runtime fails it.
 *
 * Network safety: before testcontainers is asked anything, the suite computes the host testcontainers
 * will use and refuses to start unless it (and the runtime endpoint) is a loopback address; every
 * request the suite sends goes through `http()`/`runCli()` to the 127.0.0.1 URLs of the start-up line.
 *
 * End-to-end flow, in order (the steps share the one container):
 *   start-up line → uid / health check → documented request per provider with its auth header → 401s →
 *   request log → control endpoints (create, force status, faults, reset) → the CLI on the host against
 *   the container: validate (no request sent) → plan --detailed-exitcode exits 2 (GETs only) →
 *   apply --auto-approve → plan --detailed-exitcode exits 0 → a change made through the sandbox API
 *   (an out-of-band edit, as in the provider's UI) → drift exits 2 naming exactly that change →
 *   clean stop on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerRuntimeClient } from "testcontainers";
import { assertLoopbackHost, assertLoopbackOnly, detectRuntime, isLoopbackAddress } from "./runtime.js";
import {
  Wait,
  assertLoopbackUrl,
  buildSandboxImage,
  containerHealthcheck,
  freePortBlock,
  http,
  parseStartupLine,
  removeDir,
  removeSandboxImage,
  runCli,
  runtimeClient,
  stageImageContext,
  writeWorkspace,
  type SandboxUrls,
  type StartedTestContainer,
} from "./sandbox-container.js";

const runtime = detectRuntime();
const inCi = process.env.CI === "true";
const skip = !runtime.available && !inCi;
if (skip) {
  console.warn(`[container suite] SKIPPED: ${runtime.reason}. In CI (CI=true) this fails instead.`);
}

// A fresh key per run: the suite also checks it never appears in the container's output or request log.
const API_KEY = `sbx-${randomUUID()}`;
const EXTROVERT_OWNER = "e0000000-0000-4000-8000-000000000001";

const auth = {
  extrovert: (key: string) => ({ "x-api-key": key }),
  puffle: (key: string) => ({ authorization: `Bearer ${key}` }),
  altur: (key: string) => ({ authorization: `api-key ${key}` }),
};

function asRecord(value: unknown): Record<string, unknown> {
  expect(value, "a JSON object").toBeTypeOf("object");
  expect(value).not.toBeNull();
  return value as Record<string, unknown>;
}

// One campaign per provider, in the files a user writes (docs/design.md §2), on the sandbox fixtures.
const CAMPAIGNS: Record<string, string> = {
  "altur-calls.yaml": `apiVersion: campaignctl/v1
kind: AlturCampaign
metadata:
  name: container-calls
spec:
  name: "Container suite - calls"
  agent_id: agent_demo_01
  integration_id: integ_phone_01
  integration_type: phone_call
  status: active
  retries: 2
  first_message: "Hello from the container suite"
  scheduling:
    mon: { startTime: "09:00", stopTime: "17:00", active: true }
`,
  "puffle-emails.yaml": `apiVersion: campaignctl/v1
kind: PuffleCampaign
metadata:
  name: container-emails
spec:
  type: email
  name: "Container suite - emails"
  sender_account_ids:
    - f0000000-0000-4000-8000-000000000002
  daily_limit: 30
  sequence_nodes:
    - type: email
      subject: "Hello"
      body: "Hi {{first_name}}, this is the container suite."
    - type: delay
      delay_days: 1
    - type: end
`,
  "extrovert-founders.yaml": `apiVersion: campaignctl/v1
kind: ExtrovertCampaign
metadata:
  name: container-founders
spec:
  ownerId: ${EXTROVERT_OWNER}
  type: TARGET_USER
  name: "Container suite - founders"
  userStyleId: e0000000-0000-4000-8000-000000000002
  userContextId: e0000000-0000-4000-8000-000000000003
  postMaxAgeDays: 30
  skipTeammatesLeads: true
  isIndirectEngagementEnabled: false
  postActivityFilter:
    emotionTypes: []
    monitoredTopicIds: []
    isShowImportantTargetUsersFirstEnabled: true
    isShowDirectPostFirstEnabled: true
    minPostLikes: 5
  connectingSettings:
    isSendConnectionRequestEnabled: false
    sendConnectionRequestOnDirectCommentCount: 2
    isSendConnectionRequestOnIndirectCommentEnabled: false
    sendConnectionRequestOnIndirectCommentCount: 3
    isSendConnectionRequestOnTimeoutEnabled: false
    sendConnectionRequestOnTimeoutDays: 14
    isSendConnectionRequestOnNoPostsEnabled: false
  dmSettings:
    isGenerateDmEnabled: false
    isGenerateDmOnConnectEnabled: false
    generateDmOnConnectAfterDaysCount: 1
    isGenerateDmOnRelevantPostEnabled: false
    generateDmOnRelevantPostAfterDaysCount: 2
    isGenerateDmOnTimeoutEnabled: false
    generateDmOnTimeoutAfterDaysCount: 7
  applyCommentIntervalH: 48
`,
};
const ADDRESSES = ["altur/default/container-calls", "extrovert/default/container-founders", "puffle/default/container-emails"];

/** The request log from GET /__sandbox/requests (a list, or an object holding `requests`). */
function logEntries(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : asRecord(body).requests;
  expect(Array.isArray(list), "request log is a list").toBe(true);
  return (list as unknown[]).map(asRecord);
}

describe.skipIf(skip)("sandbox image in a container (testcontainers, host network, 127.0.0.1 only)", () => {
  let client: ContainerRuntimeClient;
  let context: string | undefined;
  let container: StartedTestContainer | undefined;
  let stopped = false;
  let workspace: string | undefined;
  let cliEnv: Record<string, string> = {};
  let port = 0;
  let urls: SandboxUrls;
  let output = "";
  const timings: Record<string, number> = {};

  const control = (provider: keyof SandboxUrls, path: string): string => `${new URL(urls[provider]).origin}/__sandbox${path}`;

  beforeAll(async () => {
    if (!runtime.available) {
      throw new Error(`CI=true and ${runtime.reason}: the container suite must run in CI`);
    }
    // Network safety first: nothing is asked of testcontainers unless the host it will use is loopback.
    await assertLoopbackOnly(runtime);
    let t = Date.now();
    client = await runtimeClient();
    await assertLoopbackHost(client.info.containerRuntime.host, "the host testcontainers resolved");
    for (const ip of client.info.containerRuntime.hostIps) {
      if (!isLoopbackAddress(ip.address)) throw new Error(`refusing to start: testcontainers resolved host IP ${ip.address}`);
    }

    context = stageImageContext();
    const image = await buildSandboxImage(context, process.env.CAMPAIGNCTL_BASE_IMAGE);
    timings.buildMs = Date.now() - t;

    t = Date.now();
    port = await freePortBlock();
    container = await image
      .withNetworkMode("host")
      .withCommand(["--port", String(port), "--api-key", API_KEY])
      .withWaitStrategy(Wait.forLogMessage(/"extrovert"\s*:/))
      .withStartupTimeout(60_000)
      .start();
    const stream = await container.logs();
    stream.on("data", (chunk: Buffer | string) => {
      output += chunk.toString();
    });
    for (let i = 0; i < 50 && !output.includes('"extrovert"'); i += 1) await new Promise((r) => setTimeout(r, 100));
    urls = parseStartupLine(output);
    for (const url of Object.values(urls)) assertLoopbackUrl(url);
    timings.startMs = Date.now() - t;
    console.info(`[container suite] image built in ${timings.buildMs} ms, container answering in ${timings.startMs} ms`);
  }, 300_000);

  afterAll(async () => {
    if (container && !stopped) await container.stop({ timeout: 10_000 }).catch(() => undefined);
    // No image left behind (each run builds its own; the base image stays for the next run).
    if (client) await removeSandboxImage(client);
    removeDir(context);
    removeDir(workspace);
  }, 60_000);

  it("prints the start-up line with 127.0.0.1 URLs on the requested ports", () => {
    expect(urls).toEqual({
      extrovert: `http://127.0.0.1:${port}/webgateway/api/client/v2`,
      puffle: `http://127.0.0.1:${port + 1}`,
      altur: `http://127.0.0.1:${port + 2}/api/v1.0`,
    });
  });

  it("runs as uid 1000 (not root) with the app read-only to it", async () => {
    const id = await container!.exec(["node", "-e", "process.stdout.write(String(process.getuid()))"]);
    expect(id.exitCode).toBe(0);
    expect(id.stdout.trim()).toBe("1000");
    const write = await container!.exec(["node", "-e", "require('fs').writeFileSync('/app/x', '')"]);
    expect(write.exitCode).not.toBe(0);
  });

  it("passes the image's own health check (node, no curl)", async () => {
    const test = await containerHealthcheck(client, container!.getId());
    expect(test?.[0]).toBe("CMD");
    expect(test?.[1]).toBe("node");
    const result = await container!.exec(test!.slice(1));
    expect(result.exitCode, result.output).toBe(0);
  });

  it("answers a documented request per provider with its documented auth header", async () => {
    const members = await http("GET", `${urls.extrovert}/user/team-members`, { headers: auth.extrovert(API_KEY) });
    expect(members.status, members.text).toBe(200);
    expect(members.text).toContain(EXTROVERT_OWNER);

    const puffle = await http("GET", `${urls.puffle}/api/campaigns`, { headers: auth.puffle(API_KEY) });
    expect(puffle.status, puffle.text).toBe(200);
    expect(Array.isArray(asRecord(puffle.body).campaigns)).toBe(true);

    const altur = await http("GET", `${urls.altur}/campaigns`, { headers: auth.altur(API_KEY) });
    expect(altur.status, altur.text).toBe(200);
    const page = asRecord(altur.body);
    expect(Array.isArray(page.campaigns)).toBe(true);
    expect(page.pagination).toBeTypeOf("object");
  });

  it("answers 401 without the key, with a wrong key, and with another provider's header form", async () => {
    const cases: [string, string, Record<string, string>][] = [
      ["extrovert none", `${urls.extrovert}/user/team-members`, {}],
      ["extrovert wrong", `${urls.extrovert}/user/team-members`, auth.extrovert("wrong-key")],
      ["extrovert bearer", `${urls.extrovert}/user/team-members`, auth.puffle(API_KEY)],
      ["puffle none", `${urls.puffle}/api/campaigns`, {}],
      ["puffle wrong", `${urls.puffle}/api/campaigns`, auth.puffle("wrong-key")],
      ["puffle x-api-key", `${urls.puffle}/api/campaigns`, auth.extrovert(API_KEY)],
      ["altur none", `${urls.altur}/campaigns`, {}],
      ["altur wrong", `${urls.altur}/campaigns`, auth.altur("wrong-key")],
      ["altur bearer", `${urls.altur}/campaigns`, auth.puffle(API_KEY)],
    ];
    for (const [name, url, headers] of cases) {
      const res = await http("GET", url, { headers });
      expect(res.status, `${name}: ${res.text}`).toBe(401);
    }
  });

  it("logs requests with method, path and status, never the API key", async () => {
    const cleared = await http("DELETE", control("altur", "/requests"));
    expect(cleared.status).toBeLessThan(300);
    await http("GET", `${urls.altur}/campaigns?pageSize=5`, { headers: auth.altur(API_KEY) });
    await http("GET", `${urls.altur}/campaigns`, {});

    const log = await http("GET", control("altur", "/requests"));
    expect(log.status).toBe(200);
    const entries = logEntries(log.body);
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ["GET", "/api/v1.0/campaigns", 200],
      ["GET", "/api/v1.0/campaigns", 401],
    ]);
    expect(asRecord(entries[0]!.query).pageSize).toBe("5");
    expect(log.text).not.toContain(API_KEY);
    expect(output).not.toContain(API_KEY);
  });

  it("takes a change made through the sandbox API and shows it on the control endpoints", async () => {
    const created = await http("POST", `${urls.altur}/campaigns`, {
      headers: auth.altur(API_KEY),
      body: {
        name: "container suite campaign",
        agent_id: "agent_demo_01",
        integration_id: "integ_phone_01",
        integration_type: "phone_call",
        retries: 1,
      },
    });
    expect(created.status, created.text).toBe(201);
    const campaign = asRecord(asRecord(created.body).campaign);
    const id = campaign.id;
    expect(id).toBeTypeOf("number");
    // Altur documents status only on list items (the detail and create answers carry none).
    const listedStatus = async (): Promise<unknown> => {
      const list = await http("GET", `${urls.altur}/campaigns`, { headers: auth.altur(API_KEY) });
      expect(list.status, list.text).toBe(200);
      const items = asRecord(list.body).campaigns as unknown[];
      return asRecord(items.map(asRecord).find((c) => c.id === id)).status;
    };
    expect(campaign).not.toHaveProperty("status");
    expect(await listedStatus()).toBe("pending");

    const forced = await http("POST", control("altur", `/campaigns/${String(id)}/status`), { body: { status: "finished" } });
    expect(forced.status, forced.text).toBeLessThan(300);
    expect(await listedStatus()).toBe("finished");
    const patch = await http("PATCH", `${urls.altur}/campaigns/${String(id)}`, {
      headers: auth.altur(API_KEY),
      body: { retries: 2 },
    });
    expect(patch.status).toBe(409);
    expect(asRecord(patch.body).error).toBe("CAMPAIGN_FINISHED");

    const stored = await http("GET", control("altur", "/campaigns"));
    expect(stored.status).toBe(200);
    expect(stored.text).toContain("container suite campaign");
  });

  it("injects faults when asked and stops when they are cleared", async () => {
    const on = await http("PUT", control("puffle", "/faults"), {
      body: { latencyMs: 0, errorRate: 1, errorStatus: 503, resetRate: 0, requestsPerSecond: null },
    });
    expect(on.status, on.text).toBeLessThan(300);
    const failed = await http("GET", `${urls.puffle}/api/campaigns`, { headers: auth.puffle(API_KEY) });
    expect(failed.status).toBe(503);

    const off = await http("PUT", control("puffle", "/faults"), {
      body: { latencyMs: 0, errorRate: 0, errorStatus: 503, resetRate: 0, requestsPerSecond: null },
    });
    expect(off.status, off.text).toBeLessThan(300);
    const ok = await http("GET", `${urls.puffle}/api/campaigns`, { headers: auth.puffle(API_KEY) });
    expect(ok.status).toBe(200);
  });

  it("forgets everything on reset and keeps its fixtures", async () => {
    const reset = await http("POST", control("altur", "/reset"));
    expect(reset.status, reset.text).toBeLessThan(300);
    const stored = await http("GET", control("altur", "/campaigns"));
    expect(stored.text).not.toContain("container suite campaign");
    const members = await http("GET", `${urls.extrovert}/user/team-members`, { headers: auth.extrovert(API_KEY) });
    expect(members.text).toContain(EXTROVERT_OWNER);
  });

  describe("the CLI on the host against the container", () => {
    const providers = ["extrovert", "puffle", "altur"] as const;
    const clearLogs = async (): Promise<void> => {
      for (const p of providers) expect((await http("DELETE", control(p, "/requests"))).status).toBeLessThan(300);
    };
    const logs = async (): Promise<Record<string, unknown>[]> => {
      const all: Record<string, unknown>[] = [];
      for (const p of providers) all.push(...logEntries((await http("GET", control(p, "/requests"))).body));
      return all;
    };
    const cli = async (...args: string[]) => {
      const result = await runCli(args, workspace!, cliEnv);
      expect(result.stdout + result.stderr, "API key in the CLI's output").not.toContain(API_KEY);
      return result;
    };

    beforeAll(() => {
      workspace = writeWorkspace(urls, CAMPAIGNS);
      cliEnv = { EXTROVERT_API_KEY: API_KEY, PUFFLE_API_KEY: API_KEY, ALTUR_API_KEY: API_KEY };
    });

    it("validate: exits 0 and sends no request", async () => {
      await clearLogs();
      const result = await cli("validate");
      expect(result.code, result.stderr).toBe(0);
      expect(await logs()).toEqual([]);
    });

    it("plan --detailed-exitcode: exits 2 with the three creates, reading only (GET)", async () => {
      await clearLogs();
      const result = await cli("plan", "--detailed-exitcode", "--format", "json");
      expect(result.code, result.stderr).toBe(2);
      const plan = asRecord(JSON.parse(result.stdout));
      const actions = (plan.campaigns as unknown[]).map(asRecord).map((c) => [c.address, c.action]);
      expect(actions.sort()).toEqual(ADDRESSES.map((a) => [a, "create"]));
      const sent = await logs();
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.filter((e) => e.method !== "GET")).toEqual([]);
    });

    it("apply --auto-approve: exits 0, records the three ids, and the campaigns exist in the container", async () => {
      const result = await cli("apply", "--auto-approve");
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const state = asRecord(JSON.parse(readFileSync(join(workspace!, "campaignctl.state.json"), "utf8")));
      expect(Object.keys(asRecord(state.campaigns)).sort()).toEqual(ADDRESSES);
      expect(readFileSync(join(workspace!, "campaignctl.state.json"), "utf8")).not.toContain(API_KEY);
      for (const [p, name] of [
        ["altur", "Container suite - calls"],
        ["puffle", "Container suite - emails"],
        ["extrovert", "Container suite - founders"],
      ] as const) {
        expect((await http("GET", control(p, "/campaigns"))).text).toContain(name);
      }
      const altur = await http("GET", `${urls.altur}/campaigns`, { headers: auth.altur(API_KEY) });
      const live = (asRecord(altur.body).campaigns as unknown[]).map(asRecord);
      expect(live.map((c) => [c.name, c.status])).toEqual([["Container suite - calls", "active"]]);
    });

    it("plan right after apply: exits 0, no changes", async () => {
      await clearLogs();
      const result = await cli("plan", "--detailed-exitcode");
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect((await logs()).filter((e) => e.method !== "GET")).toEqual([]);
    });

    it("drift after a change made through the sandbox API: exits 2 and names exactly that change", async () => {
      const state = asRecord(JSON.parse(readFileSync(join(workspace!, "campaignctl.state.json"), "utf8")));
      const id = String(asRecord(asRecord(state.campaigns)["altur/default/container-calls"]).id);
      const edit = await http("PATCH", `${urls.altur}/campaigns/${id}`, { headers: auth.altur(API_KEY), body: { retries: 4 } });
      expect(edit.status, edit.text).toBe(200);

      const result = await cli("drift", "--format", "json");
      expect(result.code, result.stderr).toBe(2);
      const report = asRecord(JSON.parse(result.stdout));
      const drifted = (report.campaigns as unknown[])
        .map(asRecord)
        .filter((c) => Array.isArray(c.fields) && c.fields.length > 0)
        .map((c) => ({ address: c.address, fields: (c.fields as unknown[]).map(asRecord).map((f) => [f.path, f.class, f.live]) }));
      expect(drifted).toEqual([{ address: "altur/default/container-calls", fields: [["retries", "out-of-band", 4]] }]);
    });
  });

  it("stops cleanly on SIGTERM (exit code 0, well before the kill timeout)", async () => {
    const id = container!.getId();
    const started = Date.now();
    await container!.stop({ timeout: 10_000, remove: false });
    stopped = true;
    const elapsed = Date.now() - started;
    const info = await client.container.dockerode.getContainer(id).inspect();
    await client.container.dockerode
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
    expect(info.State.ExitCode).toBe(0);
    expect(elapsed).toBeLessThan(9_000);
  });
});
