/**
 * The one fake of the whole `Sys` (`src/sys/sys.ts`): every domain replaced by a fake that
 * records what it was asked and answers from its set-up, so the commands that must never touch
 * the real machine (freeze, thaw, trim, set-time, shutdown, suspend, set-vcpus) are tested with
 * exact call sequences. Each domain's fake lives in its own module of this folder.
 *
 * The guest-file domain is the exception: it is the real implementation (the `anywhere` scope,
 * as in profile `full`), because the tests that use it only ever open paths inside temporary
 * directories they made.
 *
 * @module
 */

import { type GuestFiles, openGuestFiles } from "../../../src/sys/files/files.ts";
import type { Sys } from "../../../src/sys/sys.ts";
import { FakeClock } from "./clock.ts";
import { FakeCpus } from "./cpus.ts";
import { FakeDisks, type FakeDisksOptions } from "./disks.ts";
import { FakeFilesystems, type FakeFilesystemsOptions } from "./filesystems.ts";
import { FakeHost } from "./host.ts";
import { FakeMemory, type FakeMemoryOptions } from "./memory.ts";
import { FakeNetwork, type FakeNetworkOptions } from "./network.ts";
import { FakePower } from "./power.ts";
import { FakeProcesses } from "./processes.ts";
import { FakeUsers } from "./users.ts";
import type { FakeCpu, FakeCpuStats } from "./cpus.ts";
import type { RunScript, SpawnScript } from "./processes.ts";

export { FakeClock } from "./clock.ts";
export { FakeDisks, type FakeDisksOptions, type FakeNode } from "./disks.ts";
export { FakeHost } from "./host.ts";
export { FakeMemory, type FakeMemoryBlock, type FakeMemoryOptions } from "./memory.ts";
export { FakeUsers } from "./users.ts";
export { type FakeCpu, FakeCpus, type FakeCpuStats } from "./cpus.ts";
export {
  FakeFilesystems,
  type FakeFilesystemsOptions,
  type FakeMountPoint,
} from "./filesystems.ts";
export { FakeNetwork, type FakeNetworkOptions } from "./network.ts";
export { FakePower } from "./power.ts";
export {
  exited,
  FakeChild,
  FakeProcesses,
  type RunScript,
  signaled,
  spawnFailed,
  type SpawnScript,
} from "./processes.ts";
export { FakeTimers } from "./timers.ts";

/** Set-up of a {@link FakeSys}; every part is optional. */
export interface FakeSysOptions {
  /** Mount tables, devices and mount-point behaviour. */
  readonly filesystems?: FakeFilesystemsOptions;
  /** Paths `isExecutable` answers true for. */
  readonly executables?: readonly string[];
  /** Outcome of each program run (default: exit 0, no output). */
  readonly script?: RunScript;
  /** Outcome of each guest-exec spawn (default: the child starts). */
  readonly spawnScript?: SpawnScript;
  /** CPUs by id. */
  readonly cpus?: Record<string, FakeCpu>;
  /** `/proc/stat` and the clock tick rate. */
  readonly cpuStats?: FakeCpuStats;
  /** The memory block directory. */
  readonly memory?: FakeMemoryOptions;
  /** Network interfaces. */
  readonly network?: FakeNetworkOptions;
  /** Block devices, udev data, `statvfs` results, `/proc/diskstats`. */
  readonly disks?: FakeDisksOptions;
  /** Content of `/sys/power/state` (`null`: cannot be opened). */
  readonly powerState?: string | null;
  /** The local zone's offset for the clock's year check (seconds). */
  readonly utcOffsetSeconds?: number;
}

/** A whole fake `Sys`; its domains are typed as their fakes so tests can inspect them. */
export class FakeSys implements Sys {
  /** {@inheritDoc Sys.clock} */
  readonly clock: FakeClock;
  /** {@inheritDoc Sys.filesystems} */
  readonly filesystems: FakeFilesystems;
  /** {@inheritDoc Sys.files} */
  readonly files: GuestFiles = openGuestFiles({ kind: "anywhere" }).files;
  /** {@inheritDoc Sys.processes} */
  readonly processes: FakeProcesses;
  /** {@inheritDoc Sys.cpus} */
  readonly cpus: FakeCpus;
  /** {@inheritDoc Sys.network} */
  readonly network: FakeNetwork;
  /** {@inheritDoc Sys.power} */
  readonly power: FakePower;
  /** {@inheritDoc Sys.host} */
  readonly host: FakeHost = new FakeHost();
  /** {@inheritDoc Sys.memory} */
  readonly memory: FakeMemory;
  /** {@inheritDoc Sys.disks} */
  readonly disks: FakeDisks;
  /** {@inheritDoc Sys.users} */
  readonly users: FakeUsers = new FakeUsers();

  /** Creates the fake. */
  constructor(options: FakeSysOptions = {}) {
    this.clock = new FakeClock(options.utcOffsetSeconds);
    this.filesystems = new FakeFilesystems(options.filesystems);
    this.processes = new FakeProcesses(options.executables, options.script, options.spawnScript);
    this.cpus = new FakeCpus(options.cpus ?? {}, options.cpuStats);
    this.memory = new FakeMemory(options.memory);
    this.network = new FakeNetwork(options.network);
    this.power = new FakePower(options.powerState ?? null);
    this.disks = new FakeDisks(options.disks);
  }
}
