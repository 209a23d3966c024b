/**
 * The named types of the schema (qemu-ga's `qapi-schema.json` types), with members in schema
 * order. Reply member order on the wire is qemu-ga's QDict order, computed from these names.
 *
 * @module
 */

import type { TypeDef } from "./defs.ts";

/** Named types, with members in schema order (a union is written as the struct of its members). */
export const TYPES = {
  GuestAgentCommandInfo: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "enabled", type: "bool" },
      { name: "success-response", type: "bool" },
    ],
  },
  GuestAgentInfo: {
    kind: "struct",
    members: [
      { name: "version", type: "str" },
      { name: "supported_commands", type: { list: "GuestAgentCommandInfo" } },
    ],
  },
  GuestFileRead: {
    kind: "struct",
    members: [
      { name: "count", type: "int" },
      { name: "buf-b64", type: "str", plain: true },
      { name: "eof", type: "bool" },
    ],
  },
  GuestFileWrite: {
    kind: "struct",
    members: [{ name: "count", type: "int" }, { name: "eof", type: "bool" }],
  },
  GuestFileSeek: {
    kind: "struct",
    members: [{ name: "position", type: "int" }, { name: "eof", type: "bool" }],
  },
  QGASeek: { kind: "enum", values: ["set", "cur", "end"] },
  GuestFileWhence: { kind: "alternate", branches: { int: "int", str: "QGASeek" } },
  GuestFsfreezeStatus: { kind: "enum", values: ["thawed", "frozen"] },
  GuestFilesystemTrimResult: {
    kind: "struct",
    members: [
      { name: "path", type: "str" },
      { name: "trimmed", type: "int", optional: true },
      { name: "minimum", type: "int", optional: true },
      { name: "error", type: "str", optional: true },
    ],
  },
  GuestFilesystemTrimResponse: {
    kind: "struct",
    members: [{ name: "paths", type: { list: "GuestFilesystemTrimResult" } }],
  },
  GuestIpAddressType: { kind: "enum", values: ["ipv4", "ipv6"] },
  GuestIpAddress: {
    kind: "struct",
    members: [
      { name: "ip-address", type: "str" },
      { name: "ip-address-type", type: "GuestIpAddressType" },
      { name: "prefix", type: "int" },
    ],
  },
  GuestNetworkInterfaceStat: {
    kind: "struct",
    members: [
      { name: "rx-bytes", type: "uint64" },
      { name: "rx-packets", type: "uint64" },
      { name: "rx-errs", type: "uint64" },
      { name: "rx-dropped", type: "uint64" },
      { name: "tx-bytes", type: "uint64" },
      { name: "tx-packets", type: "uint64" },
      { name: "tx-errs", type: "uint64" },
      { name: "tx-dropped", type: "uint64" },
    ],
  },
  GuestNetworkInterface: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "hardware-address", type: "str", optional: true },
      { name: "ip-addresses", type: { list: "GuestIpAddress" }, optional: true },
      { name: "statistics", type: "GuestNetworkInterfaceStat", optional: true },
    ],
  },
  GuestLogicalProcessor: {
    kind: "struct",
    members: [
      { name: "logical-id", type: "int" },
      { name: "online", type: "bool" },
      { name: "can-offline", type: "bool", optional: true },
    ],
  },
  GuestDiskBusType: {
    kind: "enum",
    values: [
      "ide",
      "fdc",
      "scsi",
      "virtio",
      "xen",
      "usb",
      "uml",
      "sata",
      "sd",
      "unknown",
      "ieee1394",
      "ssa",
      "fibre",
      "raid",
      "iscsi",
      "sas",
      "mmc",
      "virtual",
      "file-backed-virtual",
      "nvme",
    ],
  },
  GuestPCIAddress: {
    kind: "struct",
    members: [
      { name: "domain", type: "int" },
      { name: "bus", type: "int" },
      { name: "slot", type: "int" },
      { name: "function", type: "int" },
    ],
  },
  GuestCCWAddress: {
    kind: "struct",
    members: [
      { name: "cssid", type: "int" },
      { name: "ssid", type: "int" },
      { name: "subchno", type: "int" },
      { name: "devno", type: "int" },
    ],
  },
  GuestDiskAddress: {
    kind: "struct",
    members: [
      { name: "pci-controller", type: "GuestPCIAddress" },
      { name: "bus-type", type: "GuestDiskBusType" },
      { name: "bus", type: "int" },
      { name: "target", type: "int" },
      { name: "unit", type: "int" },
      { name: "serial", type: "str", optional: true },
      { name: "dev", type: "str", optional: true },
      { name: "ccw-address", type: "GuestCCWAddress", optional: true },
    ],
  },
  GuestDiskInfo: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "partition", type: "bool" },
      { name: "dependencies", type: { list: "str" }, optional: true },
      { name: "address", type: "GuestDiskAddress", optional: true },
      { name: "alias", type: "str", optional: true },
    ],
  },
  GuestFilesystemInfo: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "mountpoint", type: "str" },
      { name: "type", type: "str" },
      { name: "used-bytes", type: "uint64", optional: true },
      { name: "total-bytes", type: "uint64", optional: true },
      { name: "disk", type: { list: "GuestDiskAddress" } },
    ],
  },
  GuestMemoryBlock: {
    kind: "struct",
    members: [
      { name: "phys-index", type: "uint64" },
      { name: "online", type: "bool" },
      { name: "can-offline", type: "bool", optional: true },
    ],
  },
  GuestMemoryBlockResponseType: {
    kind: "enum",
    values: ["success", "not-found", "operation-not-supported", "operation-failed"],
  },
  GuestMemoryBlockResponse: {
    kind: "struct",
    members: [
      { name: "phys-index", type: "uint64" },
      { name: "response", type: "GuestMemoryBlockResponseType" },
      { name: "error-code", type: "int", optional: true },
    ],
  },
  GuestMemoryBlockInfo: { kind: "struct", members: [{ name: "size", type: "uint64" }] },
  GuestExecStatus: {
    kind: "struct",
    members: [
      { name: "exited", type: "bool" },
      { name: "exitcode", type: "int", optional: true },
      { name: "signal", type: "int", optional: true },
      { name: "out-data", type: "str", optional: true, plain: true },
      { name: "err-data", type: "str", optional: true, plain: true },
      { name: "out-truncated", type: "bool", optional: true },
      { name: "err-truncated", type: "bool", optional: true },
    ],
  },
  GuestExec: { kind: "struct", members: [{ name: "pid", type: "int" }] },
  GuestExecCaptureOutputMode: {
    kind: "enum",
    values: ["none", "stdout", "stderr", "separated", "merged"],
  },
  GuestExecCaptureOutput: {
    kind: "alternate",
    branches: { bool: "bool", str: "GuestExecCaptureOutputMode" },
  },
  GuestHostName: { kind: "struct", members: [{ name: "host-name", type: "str" }] },
  GuestUser: {
    kind: "struct",
    members: [
      { name: "user", type: "str" },
      { name: "login-time", type: "number" },
      { name: "domain", type: "str", optional: true },
    ],
  },
  GuestTimezone: {
    kind: "struct",
    members: [{ name: "zone", type: "str", optional: true }, { name: "offset", type: "int" }],
  },
  GuestOSInfo: {
    kind: "struct",
    members: [
      { name: "kernel-release", type: "str", optional: true },
      { name: "kernel-version", type: "str", optional: true },
      { name: "machine", type: "str", optional: true },
      { name: "id", type: "str", optional: true },
      { name: "name", type: "str", optional: true },
      { name: "pretty-name", type: "str", optional: true },
      { name: "version", type: "str", optional: true },
      { name: "version-id", type: "str", optional: true },
      { name: "variant", type: "str", optional: true },
      { name: "variant-id", type: "str", optional: true },
    ],
  },
  GuestAuthorizedKeys: { kind: "struct", members: [{ name: "keys", type: { list: "str" } }] },
  GuestDiskStats: {
    kind: "struct",
    members: [
      { name: "read-sectors", type: "uint64", optional: true },
      { name: "read-ios", type: "uint64", optional: true },
      { name: "read-merges", type: "uint64", optional: true },
      { name: "write-sectors", type: "uint64", optional: true },
      { name: "write-ios", type: "uint64", optional: true },
      { name: "write-merges", type: "uint64", optional: true },
      { name: "discard-sectors", type: "uint64", optional: true },
      { name: "discard-ios", type: "uint64", optional: true },
      { name: "discard-merges", type: "uint64", optional: true },
      { name: "flush-ios", type: "uint64", optional: true },
      { name: "read-ticks", type: "uint64", optional: true },
      { name: "write-ticks", type: "uint64", optional: true },
      { name: "discard-ticks", type: "uint64", optional: true },
      { name: "flush-ticks", type: "uint64", optional: true },
      { name: "ios-pgr", type: "uint64", optional: true },
      { name: "total-ticks", type: "uint64", optional: true },
      { name: "weight-ticks", type: "uint64", optional: true },
    ],
  },
  GuestDiskStatsInfo: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "major", type: "uint64" },
      { name: "minor", type: "uint64" },
      { name: "stats", type: "GuestDiskStats" },
    ],
  },
  GuestCpuStatsType: { kind: "enum", values: ["linux"] },
  /** The union `GuestCpuStats` with its one (`linux`) branch, as the struct of its members. */
  GuestCpuStats: {
    kind: "struct",
    members: [
      { name: "type", type: "GuestCpuStatsType" },
      { name: "cpu", type: "int" },
      { name: "user", type: "uint64" },
      { name: "nice", type: "uint64" },
      { name: "system", type: "uint64" },
      { name: "idle", type: "uint64" },
      { name: "iowait", type: "uint64", optional: true },
      { name: "irq", type: "uint64", optional: true },
      { name: "softirq", type: "uint64", optional: true },
      { name: "steal", type: "uint64", optional: true },
      { name: "guest", type: "uint64", optional: true },
      { name: "guestnice", type: "uint64", optional: true },
    ],
  },
  GuestLoadAverage: {
    kind: "struct",
    members: [
      { name: "load1m", type: "number" },
      { name: "load5m", type: "number" },
      { name: "load15m", type: "number" },
    ],
  },
  GuestNetworkRoute: {
    kind: "struct",
    members: [
      { name: "iface", type: "str" },
      { name: "destination", type: "str" },
      { name: "metric", type: "int" },
      { name: "gateway", type: "str", optional: true },
      { name: "mask", type: "str", optional: true },
      { name: "irtt", type: "int", optional: true },
      { name: "flags", type: "uint64", optional: true },
      { name: "refcnt", type: "int", optional: true },
      { name: "use", type: "int", optional: true },
      { name: "window", type: "int", optional: true },
      { name: "mtu", type: "int", optional: true },
      { name: "desprefixlen", type: "str", optional: true },
      { name: "source", type: "str", optional: true },
      { name: "srcprefixlen", type: "str", optional: true },
      { name: "nexthop", type: "str", optional: true },
      { name: "version", type: "int" },
    ],
  },
} as const satisfies Record<string, TypeDef>;
