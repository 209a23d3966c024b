/**
 * `dumpConfig()` and the upstream `/qga/config` test (tests/unit/test-qga.c, spec 4.2 #21).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AgentConfig } from "../../src/config/config.ts";
import { denoParseEnvironment } from "../../src/config/deno_environment.ts";
import { dumpConfig } from "../../src/config/dump.ts";
import { keyFileBoolean, keyFileString, parseKeyFile } from "../../src/sys/key_file.ts";
import { parseCommandLine } from "../../src/config/options.ts";
import { DEFAULT_CONFIG as BASE } from "./defaults.ts";

const DEFAULT_DUMP = "[general]\ndaemon=false\nmethod=virtio-serial\n" +
  "path=/dev/virtio-ports/org.qemu.guest_agent.0\npidfile=/var/run/qemu-ga.pid\n" +
  "statedir=/var/run\nverbose=false\nretry-path=false\nblock-rpcs=\n";

/** GLib's `g_key_file_get_string_list` with the default `;` separator (no escapes needed). */
function stringList(raw: string): string[] {
  const pieces = raw.split(";");
  if (pieces.at(-1) === "") pieces.pop();
  return pieces;
}

Deno.test("dumpConfig() prints qemu-ga 7.2's defaults byte for byte", () => {
  assert.equal(dumpConfig(BASE), DEFAULT_DUMP);
});

Deno.test("dumpConfig() prints every optional key in 7.2's order", () => {
  const config: AgentConfig = {
    ...BASE,
    daemonize: true,
    method: "unix-listen",
    channelPath: "/s",
    logfile: "/l",
    fsfreezeHook: "/h",
    verbose: true,
    retryPath: true,
    blockRpcs: ["b", "a"],
    allowRpcs: ["x"],
    freezeTimeoutSeconds: 5,
    maxFileHandles: 7,
  };
  assert.equal(
    dumpConfig(config),
    "[general]\ndaemon=true\nmethod=unix-listen\npath=/s\nlogfile=/l\n" +
      "pidfile=/var/run/qemu-ga.pid\nfsfreeze-hook=/h\nstatedir=/var/run\nverbose=true\n" +
      "retry-path=true\nblock-rpcs=b,a\nallow-rpcs=x\n",
  );
});

Deno.test("dumpConfig() prints allow-rpcs only for a non-empty allow list", () => {
  assert.ok(!dumpConfig({ ...BASE, allowRpcs: [] }).includes("allow-rpcs"));
  assert.ok(dumpConfig({ ...BASE, allowRpcs: ["", ""] }).endsWith("\nallow-rpcs=,\n"));
});

Deno.test("dumpConfig() escapes values and keeps semicolons", () => {
  const text = dumpConfig({ ...BASE, channelPath: " a\\b", blockRpcs: ["p;q", "r"] });
  assert.ok(text.includes("\npath=\\sa\\\\b\n"));
  assert.ok(text.includes("\nblock-rpcs=p;q,r\n"));
});

Deno.test("dumpConfig() prints an unsupported method verbatim", () => {
  const text = dumpConfig({ ...BASE, unsupportedMethod: "bogus", channelPath: "/x" });
  assert.ok(text.includes("\nmethod=bogus\npath=/x\n"));
});

Deno.test("dumpConfig() omits the path of a socket-activated channel", () => {
  const text = dumpConfig({
    ...BASE,
    method: "vsock-listen",
    channelPath: "",
    socketActivated: true,
  });
  assert.ok(text.includes("\nmethod=vsock-listen\npidfile="));
});

Deno.test("parseCommandLine() passes upstream's /qga/config test", () => {
  const fixture = new URL("../fixtures/config/test-qga-config", import.meta.url).pathname;
  const environment = {
    ...denoParseEnvironment({ commandNames: [], versionText: () => "QEMU Guest Agent 7.2.22" }),
    env: (name: string) => name === "QGA_CONF" ? fixture : undefined,
  };
  const outcome = parseCommandLine(["-D"], environment);
  assert.equal(outcome.kind, "exit");
  if (outcome.kind !== "exit") return;
  assert.equal(outcome.stderr, "");
  assert.equal(outcome.code, 0);
  const parsed = parseKeyFile(outcome.stdout);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.equal([...parsed.file.keys()][0], "general");
  const general = parsed.file.get("general")!;
  const text = (key: string) => keyFileString(general.get(key) ?? "\\");
  assert.equal(keyFileBoolean(general.get("daemon") ?? ""), false);
  assert.equal(text("method"), "virtio-serial");
  assert.equal(text("path"), "/path/to/org.qemu.guest_agent.0");
  assert.equal(text("pidfile"), "/var/foo/qemu-ga.pid");
  assert.equal(text("statedir"), "/var/state");
  assert.equal(keyFileBoolean(general.get("verbose") ?? ""), true);
  const blocked = stringList(general.get("block-rpcs") ?? "");
  assert.equal(blocked.length, 2);
  assert.ok(blocked.includes("guest-ping"));
  assert.ok(blocked.includes("guest-get-time"));
  // The dump writes the fixture's single semicolon-joined entry back unchanged.
  assert.ok(outcome.stdout.includes("\nblock-rpcs=guest-ping;guest-get-time\n"));
});
