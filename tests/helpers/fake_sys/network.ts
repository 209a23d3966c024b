/**
 * A fake of the network domain ({@link Network}): scripted getifaddrs entries and SIOCGIFHWADDR
 * results; `/proc/net/dev` and the routing tables read from a fixture tree through the real
 * reader.
 *
 * @module
 */

import {
  type HardwareAddress,
  LinuxNetwork,
  type Network,
  type RawIfaddr,
  type RouteTablePath,
} from "../../../src/sys/network/network.ts";

/** Set-up of a {@link FakeNetwork}. */
export interface FakeNetworkOptions {
  /** The getifaddrs list (a function: computed, or thrown, per call). */
  readonly entries?: readonly RawIfaddr[] | (() => RawIfaddr[]);
  /** SIOCGIFHWADDR result per interface name and call number (default: a made-up MAC). */
  readonly hw?: (name: string, call: number) => HardwareAddress;
  /** Root of the fixture tree holding `proc/net/dev`, `route`, `ipv6_route` (default: none). */
  readonly procRoot?: string;
}

/** The fake; records the hardwareAddress, procNetDev and routeTable calls. */
export class FakeNetwork implements Network {
  /** Interface names asked for their hardware address, in order. */
  readonly hwCalls: string[] = [];
  /** How often `/proc/net/dev` was read. */
  statReads = 0;
  /** The routing table files read, in order. */
  readonly routeReads: string[] = [];
  #options: FakeNetworkOptions;
  #proc: LinuxNetwork;
  #calls = new Map<string, number>();

  /** Creates the fake. */
  constructor(options: FakeNetworkOptions = {}) {
    this.#options = options;
    this.#proc = new LinuxNetwork(options.procRoot ?? "/nonexistent-fixture");
  }

  /** {@inheritDoc Network.interfaceAddresses} */
  interfaceAddresses(): RawIfaddr[] {
    const entries = this.#options.entries ?? [];
    return typeof entries === "function" ? entries() : [...entries];
  }

  /** {@inheritDoc Network.hardwareAddress} */
  hardwareAddress(name: Uint8Array): HardwareAddress {
    const text = new TextDecoder().decode(name);
    this.hwCalls.push(text);
    const n = (this.#calls.get(text) ?? 0) + 1;
    this.#calls.set(text, n);
    if (this.#options.hw) return this.#options.hw(text, n);
    return text === "lo"
      ? { ok: true, mac: new Uint8Array(6) }
      : { ok: true, mac: Uint8Array.from([0x02, 0xfc, 0, 0, 0, text.length]) };
  }

  /** {@inheritDoc Network.procNetDev} */
  procNetDev(): Uint8Array {
    this.statReads++;
    return this.#proc.procNetDev();
  }

  /** {@inheritDoc Network.routeTable} */
  routeTable(path: RouteTablePath): Uint8Array {
    this.routeReads.push(path);
    return this.#proc.routeTable(path);
  }
}
