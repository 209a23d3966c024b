/**
 * The systemd unit and the udev rule that install qga-deno in a guest the way distributions ship
 * qemu-ga (Debian's `qemu-guest-agent.service` and `60-qemu-guest-agent.rules`): the port's
 * appearance starts the unit, the unit is bound to the port's device — plus, for the confined
 * profiles, systemd's hardening matched to the profile, a second fence around the agent's own
 * (Deno flags, openat2 roots, Landlock, capabilities):
 *
 * - `ProtectSystem=strict` with `ReadWritePaths=` listing exactly what the profile's commands
 *   write ({@linkcode unitWrites}), the state in `/run/qga-deno` (`RuntimeDirectory=`, kept across
 *   restarts so a freeze marker outlives one) and the read-write file roots;
 * - `ProtectHome=read-only` (guest-ssh-get-authorized-keys reads `~/.ssh`), `PrivateTmp=yes`,
 *   `NoNewPrivileges=yes`;
 * - `CapabilityBoundingSet=` exactly the capabilities the profile's commands need
 *   (`keptCapabilities()`, the set the agent itself keeps);
 * - `RestrictAddressFamilies=`: `AF_UNIX` (unix-listen, syslog, systemctl), `AF_VSOCK`
 *   (vsock-listen), `AF_NETLINK` (getifaddrs), `AF_INET` (the `SIOCGIFHWADDR` socket and the
 *   SIGUSR1 inspector guard's port); nothing opens `AF_INET6`. `IPAddressDeny=any`: no IP traffic.
 * - `ProtectKernelTunables=` only where no command writes `/sys` (readonly).
 *
 * `ProtectClock=` is not used: it implies `DeviceAllow=char-rtc r`, which closes every other
 * device, the port included. `ProtectHostname=` is not used: guest-get-host-name would report a
 * stale name after a change. The `full` profile gets Debian's unit unchanged: qemu-ga parity,
 * which is unconfined.
 *
 * @module
 */

import { type CommandName, COMMANDS } from "../schema/schema.ts";
import { needsOf } from "./command_needs.ts";
import { isWithin, parseFileRoot } from "./file_roots.ts";
import { DEFAULT_FILE_ROOT, type ProfileName, PROFILES } from "./profiles.ts";
import { keptCapabilities } from "./sandbox_plan.ts";

/** The unit's installed name; {@linkcode UDEV_RULE} asks for it. */
export const UNIT_NAME = "qga-deno.service";

/** systemd's name for the device unit of the guest agent's virtio-serial port. */
export const PORT_DEVICE_UNIT = "dev-virtio\\x2dports-org.qemu.guest_agent.0.device";

/** Where "Install in a guest" (README) puts the binary; build.sh writes the unit for it. */
export const GUEST_BINARY = "/usr/local/sbin/qga-deno";

/** The state directory (`-t`) of the confined units: `RuntimeDirectory=qga-deno`. */
export const UNIT_STATE_DIR = "/run/qga-deno";

/**
 * The udev rule (`/etc/udev/rules.d/99-qga-deno.rules`): when the port appears, systemd starts
 * {@linkcode UNIT_NAME}. Sorting after Debian's `60-qemu-guest-agent.rules`, its assignment
 * replaces the `SYSTEMD_WANTS` that one sets, so qemu-ga is not started on the same port.
 */
export const UDEV_RULE = "# qga-deno: the guest agent's virtio-serial port starts " + UNIT_NAME +
  "\n# (this assignment replaces qemu-guest-agent.service from 60-qemu-guest-agent.rules).\n" +
  'SUBSYSTEM=="virtio-ports", ATTR{name}=="org.qemu.guest_agent.0", \\\n' +
  `  TAG+="systemd", ENV{SYSTEMD_WANTS}="${UNIT_NAME}"\n`;

/** What the unit is written for. */
export interface UnitOptions {
  /** Where the binary is installed in the guest (`ExecStart=`), e.g. {@linkcode GUEST_BINARY}. */
  readonly binary: string;
  /**
   * The programs guest-exec may start, as baked into the binary (`build.sh --exec-allow`); they
   * are not repeated on `ExecStart=`. None: guest-exec is disabled.
   */
  readonly execAllow?: readonly string[];
  /**
   * File roots (`PATH` or `PATH:ro`) passed as `--file-root=` options; none: the profile's
   * default root, which the unit creates (`StateDirectory=`, mode 0700).
   */
  readonly roots?: readonly string[];
}

/** Characters a path may have to be written into a unit without quoting. */
const PLAIN_PATH = /^\/[A-Za-z0-9._/+@:-]*$/;

function checkPath(what: string, path: string): string {
  if (!PLAIN_PATH.test(path)) {
    throw new Error(
      `${what} '${path}' must be an absolute path of letters, digits and ._/+@:- only ` +
        "(it is written into a systemd unit unquoted)",
    );
  }
  return path;
}

/**
 * The commands the unit's agent runs: the profile's, without guest-exec and guest-exec-status when
 * no program is listed (the agent disables them then).
 */
export function unitCommands(
  profile: ProfileName,
  execAllow: readonly string[] = [],
): CommandName[] {
  const p = PROFILES[profile];
  return COMMANDS.filter((c) =>
    !p.excluded.has(c.name) &&
    !(p.exec === "listed" && c.effect === "exec" && execAllow.length === 0)
  ).map((c) => c.name);
}

/**
 * The fixed paths the commands of a confined unit write (`ReadWritePaths=`), sorted, without a
 * trailing `/`: the union of their `writes` (`./command_needs.ts`).
 */
export function unitWrites(profile: ProfileName, execAllow: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const name of unitCommands(profile, execAllow)) {
    for (const path of needsOf(name).writes ?? []) out.add(path.replace(/\/+$/, ""));
  }
  return [...out].sort();
}

/** The unit's capability bounding set: what the commands need (`keptCapabilities()`). */
export function unitCapabilities(
  profile: ProfileName,
  execAllow: readonly string[] = [],
): string[] {
  return keptCapabilities(new Set(unitCommands(profile, execAllow)));
}

/**
 * The text of the systemd unit for `profile`.
 *
 * @param profile The profile the binary was built for.
 * @param options Where the binary is, the listed programs, the file roots.
 * @returns The unit file's text (install it as `/etc/systemd/system/qga-deno.service`).
 * @throws Error for roots the profile cannot have, or a path that cannot be written unquoted.
 */
export function systemdUnit(profile: ProfileName, options: UnitOptions): string {
  const p = PROFILES[profile];
  const execAllow = (options.execAllow ?? []).map((path) =>
    checkPath("--exec-allow program", path)
  );
  const binary = checkPath("binary", options.binary);
  const lines: string[] = [
    `# qga-deno, profile ${profile}: ${p.summary}.`,
    `# Generated by build.sh (src/policy/systemd_unit.ts); install as /etc/systemd/system/${UNIT_NAME}`,
    "# with 99-qga-deno.rules in /etc/udev/rules.d/ (the port's appearance starts it).",
  ];
  const unit = [
    "[Unit]",
    `Description=QEMU Guest Agent (qga-deno, profile ${profile})`,
    `BindsTo=${PORT_DEVICE_UNIT}`,
    `After=${PORT_DEVICE_UNIT}`,
    "Conflicts=qemu-guest-agent.service",
    "",
    "[Service]",
  ];
  const restart = ["Restart=always", "RestartSec=0"];
  if (!p.confined) {
    if ((options.roots ?? []).length > 0 || execAllow.length > 0) {
      throw new Error(`the ${profile} profile has no file roots and runs any program`);
    }
    return [
      ...lines,
      "# UNCONFINED (qemu-ga parity): whoever controls the host side of the channel is root in the",
      "# guest. No hardening and no CapabilityBoundingSet=: it would break that parity.",
      ...unit,
      `ExecStart=-${binary}`,
      ...restart,
      "",
    ].join("\n");
  }
  if (execAllow.length > 0 && p.excluded.has("guest-exec")) {
    throw new Error(`the ${profile} profile has no guest-exec; it runs no listed program`);
  }
  const roots = (options.roots ?? []).map((text) => parseFileRoot(checkPath("file root", text)));
  for (const root of roots) {
    if (!isWithin(root.path, DEFAULT_FILE_ROOT)) {
      throw new Error(
        `file root '${root.path}' is outside the binary's grant ${DEFAULT_FILE_ROOT}`,
      );
    }
    if (root.writable && p.files === "read-only-roots") {
      throw new Error(`file root '${root.path}': the ${profile} profile has read-only roots only`);
    }
  }
  const args = roots.map((root) => ` --file-root=${root.path}${root.writable ? "" : ":ro"}`);
  const rwRoots = roots.filter((root) => root.writable).map((root) => root.path);
  const roRoots = roots.filter((root) => !root.writable).map((root) => root.path);
  const writes = unitWrites(profile, execAllow);
  const writesSys = writes.some((path) => isWithin(path, "/sys"));
  const caps = unitCapabilities(profile, execAllow);
  const service = [
    `ExecStart=-${binary} -t ${UNIT_STATE_DIR}${args.join("")}`,
    ...restart,
    execAllow.length > 0
      ? `# guest-exec may start (baked into the binary): ${execAllow.join(" ")}`
      : "# guest-exec: no program listed (build.sh --exec-allow), so disabled.",
    "# The state (qga.state, the freeze marker) in /run as qemu-ga's, kept across restarts.",
    `RuntimeDirectory=${UNIT_STATE_DIR.slice("/run/".length)}`,
    "RuntimeDirectoryMode=0700",
    "RuntimeDirectoryPreserve=yes",
  ];
  if (roots.length === 0) {
    service.push(
      `# The default file root ${DEFAULT_FILE_ROOT}, created with mode 0700.`,
      `StateDirectory=${DEFAULT_FILE_ROOT.slice("/var/lib/".length)}`,
      "StateDirectoryMode=0700",
    );
    if (p.files === "read-only-roots") roRoots.push(DEFAULT_FILE_ROOT);
  }
  service.push(
    "ProtectSystem=strict",
    ...(writes.length + rwRoots.length > 0
      ? [
        "# What the profile's commands write ('-': skipped where absent), and the read-write roots.",
        `ReadWritePaths=${[...writes, ...rwRoots].map((path) => `-${path}`).join(" ")}`,
      ]
      : ["# No command of the profile writes a file: no ReadWritePaths=."]),
    ...(roRoots.length > 0 ? [`ReadOnlyPaths=${roRoots.map((path) => `-${path}`).join(" ")}`] : []),
    "# guest-ssh-get-authorized-keys reads ~/.ssh; nothing writes there.",
    "ProtectHome=read-only",
    "PrivateTmp=yes",
    "NoNewPrivileges=yes",
    "# Exactly the capabilities the profile's commands need (the agent keeps the same).",
    `CapabilityBoundingSet=${caps.join(" ")}`,
    "AmbientCapabilities=",
    "RestrictAddressFamilies=AF_UNIX AF_VSOCK AF_NETLINK AF_INET",
    "IPAddressDeny=any",
    ...(writesSys ? [] : ["ProtectKernelTunables=yes"]),
    "ProtectControlGroups=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "LockPersonality=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "SystemCallArchitectures=native",
    "",
  );
  return [...lines, ...unit, ...service].join("\n");
}
