/**
 * The systemd unit and udev rule (`src/policy/systemd_unit.ts`): bound to the port's device as
 * Debian's qemu-ga unit, hardening matched to each profile — capability bounding set equal to
 * what the profile's commands need, `ReadWritePaths=` exactly what they write — and accepted by
 * `systemd-analyze verify` (every key checked against systemd's own list where it is installed,
 * against the keys the module may write otherwise).
 *
 * @module
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/schema/schema.ts";
import { needsOf } from "../../src/policy/command_needs.ts";
import { PROFILES } from "../../src/policy/profiles.ts";
import { keptCapabilities } from "../../src/policy/sandbox_plan.ts";
import {
  GUEST_BINARY,
  PORT_DEVICE_UNIT,
  systemdUnit,
  UDEV_RULE,
  UNIT_NAME,
  unitCommands,
} from "../../src/policy/systemd_unit.ts";

/** The unit's `Key=value` lines as a map of key → values (a key may repeat). */
function keys(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** One key's single value. */
function value(text: string, key: string): string | undefined {
  const values = keys(text).get(key);
  assert.ok(values === undefined || values.length === 1, `${key} appears once`);
  return values?.[0];
}

/** The paths of a `ReadWritePaths=`/`ReadOnlyPaths=` line, without the `-` prefix. */
function paths(text: string, key: string): string[] {
  return (value(text, key) ?? "").split(" ").filter((p) => p !== "").map((p) =>
    p.replace(/^-/, "")
  );
}

const unit = (profile: "full" | "files" | "readonly", extra = {}) =>
  systemdUnit(profile, { binary: GUEST_BINARY, ...extra });

Deno.test("every unit is bound to the port's device as Debian's qemu-guest-agent.service", () => {
  for (const profile of ["full", "files", "readonly"] as const) {
    const text = unit(profile);
    assert.equal(value(text, "BindsTo"), PORT_DEVICE_UNIT);
    assert.equal(value(text, "After"), PORT_DEVICE_UNIT);
    assert.equal(value(text, "Restart"), "always");
    assert.equal(value(text, "Conflicts"), "qemu-guest-agent.service");
    assert.match(value(text, "ExecStart")!, new RegExp(`^-${GUEST_BINARY}( |$)`));
  }
  assert.equal(PORT_DEVICE_UNIT, "dev-virtio\\x2dports-org.qemu.guest_agent.0.device");
  const debian = "/lib/systemd/system/qemu-guest-agent.service";
  let shipped: string | undefined;
  try {
    shipped = Deno.readTextFileSync(debian);
  } catch {
    // qemu-guest-agent not installed: the constant above is the check.
  }
  if (shipped !== undefined) assert.equal(value(shipped, "BindsTo"), PORT_DEVICE_UNIT);
});

Deno.test("the udev rule matches the port as Debian's and wants qga-deno.service instead", () => {
  assert.ok(UDEV_RULE.includes('SUBSYSTEM=="virtio-ports", ATTR{name}=="org.qemu.guest_agent.0"'));
  assert.ok(UDEV_RULE.includes(`TAG+="systemd", ENV{SYSTEMD_WANTS}="${UNIT_NAME}"`));
  assert.ok(!UDEV_RULE.includes('+="qga'), "assigns (replacing qemu-ga's), never appends");
  for (const line of UDEV_RULE.trimEnd().split("\n")) {
    assert.ok(line.startsWith("#") || line.startsWith("SUBSYSTEM") || line.startsWith("  TAG"));
  }
});

Deno.test("full: qemu-ga parity, no hardening, said so", () => {
  const text = unit("full");
  assert.match(text, /# UNCONFINED \(qemu-ga parity\)/);
  for (
    const key of ["CapabilityBoundingSet", "ProtectSystem", "NoNewPrivileges", "ReadWritePaths"]
  ) {
    assert.equal(keys(text).get(key), undefined, key);
  }
  assert.equal(value(text, "ExecStart"), `-${GUEST_BINARY}`);
  assert.throws(() => unit("full", { roots: ["/var/lib/qga-deno/files"] }), /no file roots/);
  assert.throws(() => unit("full", { execAllow: ["/bin/true"] }), /runs any program/);
});

Deno.test("files: the bounding set is exactly the capabilities its commands need", () => {
  const text = unit("files");
  const bounding = value(text, "CapabilityBoundingSet")!.split(" ");
  assert.deepEqual(bounding, [
    "CAP_DAC_READ_SEARCH",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_TIME",
  ]);
  assert.deepEqual(bounding, keptCapabilities(new Set(unitCommands("files"))));
  assert.equal(value(text, "AmbientCapabilities"), "");
});

Deno.test("readonly: no CAP_SYS_ADMIN, CAP_SYS_TIME or CAP_SYS_BOOT; nothing writable", () => {
  const text = unit("readonly");
  const bounding = value(text, "CapabilityBoundingSet")!.split(" ");
  assert.deepEqual(bounding, ["CAP_DAC_READ_SEARCH"]);
  assert.deepEqual(bounding, keptCapabilities(new Set(unitCommands("readonly"))));
  assert.equal(keys(text).get("ReadWritePaths"), undefined);
  assert.deepEqual(paths(text, "ReadOnlyPaths"), ["/var/lib/qga-deno/files"]);
  assert.equal(value(text, "ProtectKernelTunables"), "yes");
  assert.equal(value(text, "StateDirectory"), "qga-deno/files", "the root exists (read-only)");
});

Deno.test("files: ReadWritePaths is exactly what its commands write, roots and /dev/null added", () => {
  const writes = [
    "/dev/rtc0",
    "/etc/adjtime",
    "/run/initctl",
    "/sys/devices/system/cpu",
    "/sys/devices/system/memory",
    "/sys/power/state",
  ];
  assert.deepEqual(paths(unit("files"), "ReadWritePaths"), writes);
  const fromNeeds = new Set<string>();
  for (const c of COMMANDS) {
    if (PROFILES.files.excluded.has(c.name) || c.effect === "exec") continue;
    for (const p of needsOf(c.name).writes ?? []) fromNeeds.add(p.replace(/\/$/, ""));
  }
  assert.deepEqual([...fromNeeds].sort(), writes);
  assert.equal(
    keys(unit("files")).get("ProtectKernelTunables"),
    undefined,
    "set-vcpus writes /sys",
  );

  const text = unit("files", {
    execAllow: ["/usr/bin/rsync"],
    roots: ["/var/lib/qga-deno/files/in", "/var/lib/qga-deno/files/iso:ro"],
  });
  assert.deepEqual(paths(text, "ReadWritePaths"), [
    "/dev/null",
    ...writes,
    "/var/lib/qga-deno/files/in",
  ]);
  assert.deepEqual(paths(text, "ReadOnlyPaths"), ["/var/lib/qga-deno/files/iso"]);
  assert.equal(keys(text).get("StateDirectory"), undefined, "named roots: no default root");
  assert.equal(
    value(text, "ExecStart"),
    `-${GUEST_BINARY} -t /run/qga-deno --file-root=/var/lib/qga-deno/files/in ` +
      "--file-root=/var/lib/qga-deno/files/iso:ro",
  );
  assert.match(text, /# guest-exec may start \(baked into the binary\): \/usr\/bin\/rsync/);
});

Deno.test("confined units: state in /run kept across restarts, default root 0700, fences", () => {
  for (const profile of ["files", "readonly"] as const) {
    const text = unit(profile);
    assert.equal(value(text, "ExecStart"), `-${GUEST_BINARY} -t /run/qga-deno`);
    assert.equal(value(text, "RuntimeDirectory"), "qga-deno");
    assert.equal(value(text, "RuntimeDirectoryMode"), "0700");
    assert.equal(value(text, "RuntimeDirectoryPreserve"), "yes");
    assert.equal(value(text, "StateDirectory"), "qga-deno/files");
    assert.equal(value(text, "StateDirectoryMode"), "0700");
    assert.equal(value(text, "ProtectSystem"), "strict");
    assert.equal(value(text, "ProtectHome"), "read-only");
    assert.equal(value(text, "PrivateTmp"), "yes");
    assert.equal(value(text, "NoNewPrivileges"), "yes");
    assert.equal(value(text, "ProtectControlGroups"), "yes");
    assert.equal(value(text, "RestrictAddressFamilies"), "AF_UNIX AF_VSOCK AF_NETLINK AF_INET");
    assert.equal(value(text, "IPAddressDeny"), "any");
    // ProtectClock implies DeviceAllow=char-rtc, which would close the port device.
    assert.equal(keys(text).get("ProtectClock"), undefined);
    assert.equal(keys(text).get("DeviceAllow"), undefined);
  }
});

Deno.test("roots and programs the profile cannot have are refused, odd paths too", () => {
  assert.throws(() => unit("readonly", { roots: ["/var/lib/qga-deno/files"] }), /read-only roots/);
  assert.throws(() => unit("files", { roots: ["/srv/files"] }), /outside the binary's grant/);
  assert.throws(() => unit("files", { roots: ["/var/lib/qga-deno/files/../x"] }), /absolute path/);
  assert.throws(() => unit("files", { roots: ["/var/lib/qga-deno/files/a b"] }), /unquoted/);
  assert.throws(() => unit("readonly", { execAllow: ["/bin/true"] }), /no guest-exec/);
  assert.throws(() => unit("files", { execAllow: ["/bin/x%n"] }), /unquoted/);
  assert.throws(() => systemdUnit("files", { binary: "qga-deno" }), /absolute path/);
});

/** Keys the module may write (the fallback check where systemd-analyze is missing). */
const KNOWN_KEYS = new Set([
  "Description",
  "BindsTo",
  "After",
  "Conflicts",
  "ExecStart",
  "Restart",
  "RestartSec",
  "RuntimeDirectory",
  "RuntimeDirectoryMode",
  "RuntimeDirectoryPreserve",
  "StateDirectory",
  "StateDirectoryMode",
  "ProtectSystem",
  "ReadWritePaths",
  "ReadOnlyPaths",
  "ProtectHome",
  "PrivateTmp",
  "NoNewPrivileges",
  "CapabilityBoundingSet",
  "AmbientCapabilities",
  "RestrictAddressFamilies",
  "IPAddressDeny",
  "ProtectKernelTunables",
  "ProtectControlGroups",
  "ProtectKernelModules",
  "ProtectKernelLogs",
  "LockPersonality",
  "RestrictNamespaces",
  "RestrictRealtime",
  "RestrictSUIDSGID",
  "SystemCallArchitectures",
]);

function hasSystemdAnalyze(): boolean {
  try {
    return new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("systemd-analyze verify accepts every profile's unit without a warning", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const binary = `${dir}/qga-deno`;
    Deno.writeTextFileSync(binary, "#!/bin/sh\n", { mode: 0o755 });
    const variants = [
      ["full", {}],
      ["files", {}],
      ["files", { execAllow: ["/bin/true"], roots: ["/var/lib/qga-deno/files/a:ro"] }],
      ["readonly", { roots: ["/var/lib/qga-deno/files/b:ro"] }],
      ["readonly", {}],
    ] as const;
    const analyze = hasSystemdAnalyze();
    for (const [profile, extra] of variants) {
      const text = systemdUnit(profile, { binary, ...extra });
      assert.deepEqual(text.match(/^\[[A-Za-z]+\]$/gm), ["[Unit]", "[Service]"]);
      for (const key of keys(text).keys()) assert.ok(KNOWN_KEYS.has(key), key);
      if (!analyze) continue;
      const path = `${dir}/${UNIT_NAME}`;
      Deno.writeTextFileSync(path, text);
      const out = new Deno.Command("systemd-analyze", { args: ["verify", path] }).outputSync();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(said, "", `${profile} ${JSON.stringify(extra)}:\n${said}`);
      assert.ok(out.success);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
