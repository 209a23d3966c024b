/**
 * Prints our reply line to `guest-network-get-interfaces` (argument `net`, optionally followed by
 * the root of a `/proc/net/dev` fixture tree) or `guest-get-vcpus` (`cpu`), computed on the real
 * system. Run through `nsenter` so it sees the network namespace
 * of an oracle started by `oracle_helper.ts`; needs only `--allow-ffi` and `--allow-read`.
 *
 * @module
 */

import { listVcpus } from "../../../src/commands/cpu/get.ts";
import { listNetworkInterfaces } from "../../../src/commands/network/get_interfaces.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { LinuxNetwork } from "../../../src/sys/network/network.ts";
import { ourReply } from "./reply_line.ts";

if (Deno.args[0] === "net") {
  console.log(
    ourReply(
      { list: "GuestNetworkInterface" },
      () => listNetworkInterfaces(new LinuxNetwork(Deno.args[1])),
    ),
  );
} else {
  console.log(ourReply({ list: "GuestLogicalProcessor" }, () => listVcpus(new LinuxCpus())));
}
