/**
 * Fakes of every ops interface, for tests of the commands that must never touch the real
 * machine (freeze, thaw, trim, set-time, shutdown, suspend, set-vcpus).
 *
 * @module
 */

export { errnoName, FakeFreezeOps } from "./fake_fs.ts";
export type { FakeFreezeOptions, FakeMountPoint } from "./fake_fs.ts";
export {
  exited,
  FakeClock,
  FakeCpuOnline,
  FakePower,
  FakeRunner,
  FakeTimers,
  signaled,
  spawnFailed,
} from "./fake_misc.ts";
export type { FakeCpu, RunScript } from "./fake_misc.ts";
export { ERRNO, OsError, osError } from "./os_error.ts";
