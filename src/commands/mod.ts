/**
 * The handler table: one entry per implemented command of the schema.
 *
 * @module
 */

import type { HandlerTable } from "./context.ts";
import { makeGuestGetVcpus } from "./cpu/get.ts";
import { makeGuestSetVcpus } from "./cpu/set.ts";
import { makeFsfreezeHandlers, makeGuestFstrim } from "./freeze/mod.ts";
import { makeGuestShutdown, makeSuspendHandlers } from "./power/mod.ts";
import { makeGuestSetTime } from "./time_set.ts";
import { makeGuestNetworkGetInterfaces } from "./network/get_interfaces.ts";
import { FILE_HANDLERS } from "./file/mod.ts";
import { guestFsfreezeStatus } from "./fsfreeze_status.ts";
import { guestInfo } from "./info.ts";
import { guestPing, guestSync, guestSyncDelimited } from "./sync.ts";
import { guestGetTime } from "./time.ts";

/** Implemented commands by wire name; schema commands missing here answer "not implemented". */
export const HANDLERS: HandlerTable = {
  "guest-sync-delimited": guestSyncDelimited,
  "guest-sync": guestSync,
  "guest-ping": guestPing,
  "guest-get-time": guestGetTime,
  "guest-info": guestInfo,
  "guest-fsfreeze-status": guestFsfreezeStatus,
  ...FILE_HANDLERS,
  "guest-network-get-interfaces": makeGuestNetworkGetInterfaces((ctx) => ctx.sys.network),
  "guest-get-vcpus": makeGuestGetVcpus((ctx) => ctx.sys.cpus),
  "guest-set-time": makeGuestSetTime((ctx) => ({
    clock: ctx.sys.clock,
    runner: ctx.sys.processes,
  })),
  "guest-shutdown": makeGuestShutdown((ctx) => ctx.sys.processes),
  ...makeFsfreezeHandlers((ctx) => ctx.fsfreeze),
  "guest-fstrim": makeGuestFstrim((ctx) => ctx.sys.filesystems),
  ...makeSuspendHandlers((ctx) => ({ runner: ctx.sys.processes, power: ctx.sys.power })),
  "guest-set-vcpus": makeGuestSetVcpus((ctx) => ctx.sys.cpuOnline),
};
