// The container suite's network-safety guard, tested on its own: it must run (and hold) on machines
// with no container runtime too, since it is what stands between the suite and a non-loopback address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertLoopbackOnly, detectRuntime, isLoopbackAddress, predictTestcontainersHost, type RuntimeProbe } from "./runtime.js";

const probe = (endpoint: string, tcHost?: string): RuntimeProbe => ({
  available: true,
  endpoint,
  source: tcHost ? "tc.host" : "DOCKER_HOST",
  tcHost,
  reason: "",
});

describe("isLoopbackAddress", () => {
  it.each(["127.0.0.1", "127.8.9.10", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])("%s is loopback", (a) => {
    expect(isLoopbackAddress(a)).toBe(true);
  });
  it.each(["10.88.0.1", "172.17.0.1", "192.168.1.1", "8.8.8.8", "0.0.0.0", "::", "fe80::1", "::ffff:10.0.0.1", "localhost", ""])(
    "%s is not",
    (a) => {
      expect(isLoopbackAddress(a)).toBe(false);
    },
  );
});

describe("predictTestcontainersHost (how testcontainers 11 picks the host)", () => {
  it("takes TESTCONTAINERS_HOST_OVERRIDE for a unix socket, even inside a container", () => {
    const env = { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" };
    expect(predictTestcontainersHost(probe("unix:///run/podman/podman.sock"), env, true).host).toBe("127.0.0.1");
  });
  it("refuses a unix socket inside a container without the override (testcontainers would use a bridge gateway)", () => {
    expect(() => predictTestcontainersHost(probe("unix:///run/podman/podman.sock"), {}, true)).toThrow(/TESTCONTAINERS_HOST_OVERRIDE/);
  });
  it("uses localhost for a unix socket outside a container", () => {
    expect(predictTestcontainersHost(probe("unix:///var/run/docker.sock"), {}, false).host).toBe("localhost");
  });
  it("uses the endpoint's host for tcp, and ignores the override for tc.host (as testcontainers does)", () => {
    expect(predictTestcontainersHost(probe("tcp://10.1.2.3:2375"), {}, false).host).toBe("10.1.2.3");
    const env = { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" };
    expect(predictTestcontainersHost(probe("tcp://10.1.2.3:2375", "tcp://10.1.2.3:2375"), env, false).host).toBe("10.1.2.3");
  });
});

describe("assertLoopbackOnly (the suite's pre-flight guard)", () => {
  it("accepts a unix socket with a loopback override or localhost", async () => {
    await expect(assertLoopbackOnly(probe("unix:///s.sock"), { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" }, true)).resolves.toBe(
      "127.0.0.1",
    );
    await expect(assertLoopbackOnly(probe("unix:///s.sock"), { TESTCONTAINERS_HOST_OVERRIDE: "localhost" }, true)).resolves.toBe(
      "localhost",
    );
  });
  it.each([
    ["a private override", probe("unix:///s.sock"), { TESTCONTAINERS_HOST_OVERRIDE: "10.88.0.1" }],
    ["a bridge gateway override", probe("unix:///s.sock"), { TESTCONTAINERS_HOST_OVERRIDE: "172.17.0.1" }],
    ["a remote runtime endpoint", probe("tcp://192.168.1.20:2375"), { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" }],
    ["a remote tc.host", probe("tcp://203.0.113.7:2375", "tcp://203.0.113.7:2375"), { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" }],
  ])("refuses %s", async (_name, p, env) => {
    await expect(assertLoopbackOnly(p, env, true)).rejects.toThrow(/refusing to start/);
  });
});

describe("detectRuntime", () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "campaignctl-sock-"));
    server = createServer();
    await new Promise<void>((done) => server.listen(join(dir, "api.sock"), done));
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds the runtime DOCKER_HOST names when its socket exists", () => {
    const found = detectRuntime({ DOCKER_HOST: `unix://${join(dir, "api.sock")}` }, dir);
    expect(found).toMatchObject({ available: true, endpoint: `unix://${join(dir, "api.sock")}`, source: "DOCKER_HOST" });
  });
  it("reports no runtime, with the reason, when DOCKER_HOST names no socket", () => {
    const found = detectRuntime({ DOCKER_HOST: `unix://${join(dir, "missing.sock")}` }, dir);
    expect(found.available).toBe(false);
    expect(found.reason).toContain("missing.sock");
  });
  it("lets tc.host in ~/.testcontainers.properties win over DOCKER_HOST, as testcontainers does", () => {
    writeFileSync(join(dir, ".testcontainers.properties"), "# remote\ntc.host=tcp://198.51.100.4:2375\n");
    const found = detectRuntime({ DOCKER_HOST: `unix://${join(dir, "api.sock")}` }, dir);
    rmSync(join(dir, ".testcontainers.properties"));
    expect(found).toMatchObject({ endpoint: "tcp://198.51.100.4:2375", tcHost: "tcp://198.51.100.4:2375" });
  });
});
