/**
 * Container suite, part 2: campaignctl itself as a container image (Dockerfile.cli). Builds it from the
 * same staged context as the sandbox image, then runs validate → plan → apply → plan through the image
 * on a workspace mounted at /work, against the sandbox on 127.0.0.1 (host networking: the container
 * shares the host's loopback). Runtime, skipping and the network-safety guard as in sandbox-image.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, type ContainerRuntimeClient } from "testcontainers";
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js";
import { assertLoopbackHost, assertLoopbackOnly, detectRuntime, isLoopbackAddress } from "./runtime.js";
import { removeDir, runtimeClient, stageImageContext } from "./sandbox-container.js";

const runtime = detectRuntime();
const inCi = process.env.CI === "true";
const skip = !runtime.available && !inCi;
if (skip) console.warn(`[container suite] CLI image SKIPPED: ${runtime.reason}. In CI (CI=true) this fails instead.`);

const CLI_TAG = "localhost/campaignctl:test";

interface Run { code: number; stdout: string; stderr: string }

/** Splits a non-TTY container log (8-byte frame headers: stream, 0, 0, 0, size) into stdout and stderr. */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    (buf[i] === 2 ? err : out).push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

describe.skipIf(skip)("the CLI image (Dockerfile.cli) runs validate, plan and apply against the sandbox", () => {
  let client: ContainerRuntimeClient;
  let context: string | undefined;
  let sb: TestSandbox | undefined;
  let workspace: string | undefined;

  /** `docker run --rm --network host -v WORKSPACE:/work [-e …] campaignctl ARGS`, through the runtime's API. */
  async function runImage(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const docker = client.container.dockerode;
    const container = await docker.createContainer({
      Image: CLI_TAG,
      Cmd: args,
      Env: ["NO_COLOR=1", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
      Labels: { "org.testcontainers": "true" },
      HostConfig: { NetworkMode: "host", Binds: [`${workspace}:/work`] },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      return { code: StatusCode, ...demux(logs) };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  beforeAll(async () => {
    if (!runtime.available) throw new Error(`CI=true and ${runtime.reason}: the container suite must run in CI`);
    await assertLoopbackOnly(runtime);
    client = await runtimeClient();
    await assertLoopbackHost(client.info.containerRuntime.host, "the host testcontainers resolved");
    for (const ip of client.info.containerRuntime.hostIps) {
      if (!isLoopbackAddress(ip.address)) throw new Error(`refusing to start: testcontainers resolved host IP ${ip.address}`);
    }
    const t = Date.now();
    context = stageImageContext();
    const base = process.env.CAMPAIGNCTL_BASE_IMAGE;
    await GenericContainer.fromDockerfile(context, "Dockerfile.cli")
      .withBuildArgs(base ? { BASE_IMAGE: base } : {})
      .build(CLI_TAG, { deleteOnExit: false });
    console.info(`[container suite] CLI image built in ${Date.now() - t} ms`);

    sb = await startTestSandbox({ rateLimits: false });
    // An init'd campaigns repository, its accounts pointed at the sandbox, writable by the image's uid 1000.
    workspace = mkdtempSync(join(tmpdir(), "campaignctl-cli-image-"));
    const init = await runImageInit();
    expect(init.code, init.stderr).toBe(0);
  }, 300_000);

  /** init through the image too, into the mounted directory. */
  async function runImageInit(): Promise<Run> {
    chmodSync(workspace!, 0o777);
    const r = await runImage(["init", "--providers", "puffle,altur"]);
    if (r.code === 0) {
      const file = join(workspace!, "campaignctl.yaml");
      const config = readFileSync(file, "utf8").replace(/apiKeyEnv: (\w+)_API_KEY/g, (m, p: string) => `${m}\n    baseUrl: "${sb!.urls[p.toLowerCase() as "altur"]}"`);
      chmodSync(file, 0o666);
      writeFileSync(file, config);
    }
    return r;
  }

  afterAll(async () => {
    await sb?.stop();
    removeDir(context);
    removeDir(workspace);
    if (client) await client.container.dockerode.getImage(CLI_TAG).remove({ force: true }).catch(() => undefined);
  });

  it("runs as uid 1000, prints its version, and init wrote the repository through it", async () => {
    const info = await client.container.dockerode.getImage(CLI_TAG).inspect();
    expect(info.Config.User).toBe("1000:1000");
    const version = await runImage(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version);
    for (const f of ["package.json", "campaigns/puffle/linkedin-cto-outreach.yaml", ".github/workflows/apply.yml", ".github/dependabot.yml"]) {
      expect(existsSync(join(workspace!, f)), f).toBe(true);
    }
    // The pipeline's scripts are the action's (uses: campaignctl/campaignctl@vX.Y.Z), no longer copied (README, the action).
    expect(existsSync(join(workspace!, "scripts/gitops"))).toBe(false);
  }, 120_000);

  it("validate (no request), plan (GETs only), apply, plan again (no changes)", async () => {
    const keys = { PUFFLE_API_KEY: sb!.apiKey, ALTUR_API_KEY: sb!.apiKey };
    const validate = await runImage(["validate"]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stderr).toContain("2 campaigns valid");
    for (const p of ["puffle", "altur"] as const) expect(await sb!.requests(p)).toEqual([]);

    const plan = await runImage(["plan", "--detailed-exitcode"], keys);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain("puffle/default/linkedin-cto-outreach");
    for (const p of ["puffle", "altur"] as const) expect((await sb!.requests(p)).every((e) => e.method === "GET"), p).toBe(true);

    const apply = await runImage(["apply", "--auto-approve"], keys);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    for (const p of ["puffle", "altur"] as const) expect((await sb!.requests(p)).some((e) => e.method === "POST"), p).toBe(true);
    expect(readFileSync(join(workspace!, "campaignctl.state.json"), "utf8")).toContain("altur/default/q2-reactivation");

    const again = await runImage(["plan", "--detailed-exitcode"], keys);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, 240_000);
});
