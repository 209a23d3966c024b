/**
 * Subcommands that show the guest's network interfaces (`net`, like `ip -br addr`), its
 * filesystems (`fs`, like `df`) and its vCPUs (`vcpus`, and `vcpus set N`).
 *
 * @module
 */

import { ClientError, UsageError } from "../errors.ts";
import { iec, table } from "../format.ts";
import { isObject, type Json, type JsonObject, toNumber } from "../json.ts";
import { type ClientCommand, DEFAULT_TIMEOUT_MS, operands } from "./context.ts";
import { print, printJson, show } from "./context.ts";

/** The `guest-network-get-interfaces` lines: name, MAC, addresses with prefix lengths. */
export function netLines(value: Json): string[] {
  const rows = (Array.isArray(value) ? value : []).filter(isObject).map((nic) => {
    const addresses = (Array.isArray(nic["ip-addresses"]) ? nic["ip-addresses"] : [])
      .filter(isObject).map((a) => `${a["ip-address"]}/${a.prefix}`);
    return [String(nic.name), String(nic["hardware-address"] ?? "-"), addresses.join(" ")];
  });
  return table([{ header: "NAME" }, { header: "MAC" }, { header: "ADDRESSES" }], rows);
}

/** `net`: network interfaces. */
export const net: ClientCommand = {
  name: "net",
  usage: "",
  summary: "network interfaces and addresses (like ip -br addr)",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-network-get-interfaces", netLines);
  },
};

/** A size cell: IEC units, `-` when unknown. */
function sizeCell(bytes: number | undefined): string {
  return bytes === undefined ? "-" : iec(bytes);
}

/**
 * The `guest-get-fsinfo` lines, in mount order (the agent lists the last mount first), with
 * sizes as `df` shows them: SIZE is used + available to unprivileged users (qemu-ga's
 * `total-bytes`), USE% rounded up.
 */
export function fsLines(value: Json): string[] {
  const list = (Array.isArray(value) ? value : []).filter(isObject).reverse();
  const rows = list.map((fs) => {
    const used = toNumber(fs["used-bytes"]);
    const total = toNumber(fs["total-bytes"]);
    const avail = used !== undefined && total !== undefined ? total - used : undefined;
    const percent = used !== undefined && total ? `${Math.ceil((used * 100) / total)}%` : "-";
    return [
      String(fs.name),
      String(fs.type),
      sizeCell(total),
      sizeCell(used),
      sizeCell(avail),
      percent,
      String(fs.mountpoint),
    ];
  });
  return table([
    { header: "DEVICE" },
    { header: "TYPE" },
    { header: "SIZE", right: true },
    { header: "USED", right: true },
    { header: "AVAIL", right: true },
    { header: "USE%", right: true },
    { header: "MOUNTED ON" },
  ], rows);
}

/** `fs`: mounted filesystems and their usage. */
export const fs: ClientCommand = {
  name: "fs",
  usage: "",
  summary: "mounted filesystems and their usage (like df)",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-get-fsinfo", fsLines);
  },
};

/** One vCPU as `guest-get-vcpus` describes it. */
export interface Vcpu {
  /** Logical CPU number. */
  readonly id: bigint;
  /** Online now. */
  readonly online: boolean;
  /** The guest allows taking it offline. */
  readonly canOffline: boolean;
}

/** The vCPUs of a `guest-get-vcpus` reply, by logical id. */
export function vcpusOf(value: Json): Vcpu[] {
  return (Array.isArray(value) ? value : []).filter(isObject).map((c: JsonObject) => ({
    id: BigInt(toNumber(c["logical-id"]) ?? -1),
    online: c.online === true,
    canOffline: c["can-offline"] === true,
  })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The changes that leave exactly `count` vCPUs online, changing as few as possible: CPUs that
 * cannot go offline stay online, then online CPUs stay (lowest ids first), then offline ones
 * come up (lowest ids first).
 *
 * @param cpus The vCPUs now.
 * @param count How many should be online.
 * @returns The `guest-set-vcpus` entries (only the CPUs that change).
 * @throws UsageError if `count` is out of range or needs a CPU offline that cannot go.
 */
export function vcpuChanges(
  cpus: readonly Vcpu[],
  count: number,
): { "logical-id": bigint; online: boolean }[] {
  if (!Number.isInteger(count) || count < 1 || count > cpus.length) {
    throw new UsageError(`The guest has ${cpus.length} vCPUs: N must be 1 to ${cpus.length}`);
  }
  const fixed = cpus.filter((c) => !c.canOffline);
  if (fixed.length > count) {
    throw new UsageError(
      `${fixed.length} vCPUs cannot be taken offline (${fixed.map((c) => c.id).join(", ")})`,
    );
  }
  const order = [
    ...fixed,
    ...cpus.filter((c) => c.canOffline && c.online),
    ...cpus.filter((c) => c.canOffline && !c.online),
  ];
  const up = new Set(order.slice(0, count).map((c) => c.id));
  return cpus.filter((c) => up.has(c.id) !== c.online).map((c) => ({
    "logical-id": c.id,
    online: up.has(c.id),
  }));
}

/** The `guest-get-vcpus` lines: a summary and a table. */
export function vcpuLines(value: Json): string[] {
  const cpus = vcpusOf(value);
  const online = cpus.filter((c) => c.online).length;
  return [
    `${online} of ${cpus.length} vCPUs online`,
    ...table(
      [{ header: "CPU", right: true }, { header: "ONLINE" }, { header: "CAN-OFFLINE" }],
      cpus.map((c) => [String(c.id), c.online ? "yes" : "no", c.canOffline ? "yes" : "no"]),
    ),
  ];
}

/** `vcpus [set N]`. */
export const vcpus: ClientCommand = {
  name: "vcpus",
  usage: "[set N]",
  summary: "the guest's vCPUs; 'set N' leaves N of them online",
  async run(ctx) {
    const [verb, n] = operands(ctx, 0, 2);
    if (verb === undefined) return await show(ctx, "guest-get-vcpus", vcpuLines);
    if (verb !== "set" || n === undefined) throw new UsageError("Usage: vcpus [set N]");
    if (!/^\d+$/.test(n)) throw new UsageError(`N must be a number, not '${n}'`);
    const session = await ctx.session();
    const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
    let pending = vcpuChanges(
      vcpusOf(await session.execute("guest-get-vcpus", undefined, timeoutMs)),
      Number(n),
    );
    let changed = 0n;
    while (pending.length > 0) {
      const done = await session.execute("guest-set-vcpus", { vcpus: pending }, timeoutMs);
      const k = toNumber(done) ?? 0;
      if (k <= 0) throw new ClientError(`guest-set-vcpus changed no vCPU (returned ${done})`);
      changed += BigInt(k);
      pending = pending.slice(k);
    }
    if (ctx.json) {
      await printJson(ctx, changed);
      return 0;
    }
    const now = await session.execute("guest-get-vcpus", undefined, timeoutMs);
    await print(ctx, vcpuLines(now).slice(0, 1));
    return 0;
  },
};
