/**
 * The handler table: one plain `Handler<N>` per command of the schema, by wire name. Its type
 * ({@link HandlerTable}) is derived from the schema, so a command without a handler — or a
 * handler whose arguments or return value do not match the schema — does not compile.
 *
 * @module
 */

import type { HandlerTable } from "./context.ts";
import { guestGetHostName } from "./host/host_name.ts";
import { guestGetOsinfo } from "./host/osinfo.ts";
import { guestGetTimezone } from "./host/timezone.ts";
import { guestGetUsers } from "./host/users.ts";
import { guestGetLoad } from "./host/load.ts";
import { guestGetCpustats } from "./stats/cpustats.ts";
import { guestGetDiskstats } from "./disks/diskstats.ts";
import { guestNetworkGetRoute } from "./network/routes.ts";
import {
  guestGetMemoryBlockInfo,
  guestGetMemoryBlocks,
  guestSetMemoryBlocks,
} from "./memory/memory_blocks.ts";
import { guestGetFsinfo } from "./disks/fsinfo.ts";
import { guestGetDisks } from "./disks/disks.ts";
import { guestExec, guestExecStatus } from "./exec/exec.ts";
import { guestSetUserPassword } from "./accounts/password.ts";
import {
  guestSshAddAuthorizedKeys,
  guestSshGetAuthorizedKeys,
  guestSshRemoveAuthorizedKeys,
} from "./accounts/ssh_keys.ts";
import { guestGetVcpus } from "./cpu/get.ts";
import { guestSetVcpus } from "./cpu/set.ts";
import {
  guestFileClose,
  guestFileFlush,
  guestFileOpen,
  guestFileRead,
  guestFileSeek,
  guestFileWrite,
} from "./file/file_commands.ts";
import { guestFstrim } from "./freeze/fstrim.ts";
import {
  guestFsfreezeFreeze,
  guestFsfreezeFreezeList,
  guestFsfreezeStatus,
  guestFsfreezeThaw,
} from "./freeze/handlers.ts";
import { guestInfo } from "./info.ts";
import { guestNetworkGetInterfaces } from "./network/get_interfaces.ts";
import { guestShutdown } from "./power/shutdown.ts";
import { guestSuspendDisk, guestSuspendHybrid, guestSuspendRam } from "./power/suspend.ts";
import { guestPing, guestSync, guestSyncDelimited } from "./sync.ts";
import { guestGetTime } from "./time.ts";
import { guestSetTime } from "./time_set.ts";

/** Every command's handler, in schema order. */
export const HANDLERS: HandlerTable = {
  "guest-sync-delimited": guestSyncDelimited,
  "guest-sync": guestSync,
  "guest-ping": guestPing,
  "guest-get-time": guestGetTime,
  "guest-set-time": guestSetTime,
  "guest-info": guestInfo,
  "guest-shutdown": guestShutdown,
  "guest-file-open": guestFileOpen,
  "guest-file-close": guestFileClose,
  "guest-file-read": guestFileRead,
  "guest-file-write": guestFileWrite,
  "guest-file-seek": guestFileSeek,
  "guest-file-flush": guestFileFlush,
  "guest-fsfreeze-status": guestFsfreezeStatus,
  "guest-fsfreeze-freeze": guestFsfreezeFreeze,
  "guest-fsfreeze-freeze-list": guestFsfreezeFreezeList,
  "guest-fsfreeze-thaw": guestFsfreezeThaw,
  "guest-fstrim": guestFstrim,
  "guest-suspend-disk": guestSuspendDisk,
  "guest-suspend-ram": guestSuspendRam,
  "guest-suspend-hybrid": guestSuspendHybrid,
  "guest-network-get-interfaces": guestNetworkGetInterfaces,
  "guest-get-vcpus": guestGetVcpus,
  "guest-set-vcpus": guestSetVcpus,
  "guest-get-disks": guestGetDisks,
  "guest-get-fsinfo": guestGetFsinfo,
  "guest-set-user-password": guestSetUserPassword,
  "guest-get-memory-blocks": guestGetMemoryBlocks,
  "guest-set-memory-blocks": guestSetMemoryBlocks,
  "guest-get-memory-block-info": guestGetMemoryBlockInfo,
  "guest-exec-status": guestExecStatus,
  "guest-exec": guestExec,
  "guest-get-host-name": guestGetHostName,
  "guest-get-users": guestGetUsers,
  "guest-get-timezone": guestGetTimezone,
  "guest-get-osinfo": guestGetOsinfo,
  "guest-ssh-get-authorized-keys": guestSshGetAuthorizedKeys,
  "guest-ssh-add-authorized-keys": guestSshAddAuthorizedKeys,
  "guest-ssh-remove-authorized-keys": guestSshRemoveAuthorizedKeys,
  "guest-get-diskstats": guestGetDiskstats,
  "guest-get-cpustats": guestGetCpustats,
  "guest-get-load": guestGetLoad,
  "guest-network-get-route": guestNetworkGetRoute,
};
