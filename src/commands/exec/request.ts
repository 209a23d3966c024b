/**
 * What a `guest-exec` request asks for, in the terms of the process domain, as qemu-ga 7.2 reads
 * it:
 *
 * - `path`, `arg` and `env` are passed on as they are (a `\u0000` in them is not a string end:
 *   QEMU's parser stores it as the bytes C0 80; see `Processes.spawn` for what becomes of it);
 * - `input-data` is decoded with qemu-ga's lenient base64 rules first (a failure spawns nothing
 *   and logs nothing);
 * - the audit line is `guest-exec called: "<path and args joined by spaces>"`;
 * - `capture-output`: 7.2's bool (`true` captures stdout and stderr separately, `false` or
 *   absent captures nothing) or newest upstream's mode names.
 *
 * @module
 */

import type { ArgsOf } from "../../schema/types.ts";
import type { CaptureMode, SpawnRequest } from "../../sys/processes.ts";
import { decodeBase64 } from "../file/base64.ts";

/** The capture mode of a `capture-output` argument. */
export function captureMode(value: ArgsOf<"guest-exec">["capture-output"]): CaptureMode {
  if (value === undefined || value === false) return "none";
  return value === true ? "separated" : value;
}

/**
 * The spawn request of a `guest-exec` (see the module doc).
 *
 * @throws QgaError `Base64 data contains invalid characters`.
 */
export function execRequest(args: ArgsOf<"guest-exec">): SpawnRequest {
  const input = args["input-data"] === undefined ? undefined : decodeBase64(args["input-data"]);
  return {
    path: args.path,
    args: args.arg ?? [],
    ...(args.env === undefined ? {} : { env: args.env }),
    ...(input === undefined ? {} : { input }),
    capture: captureMode(args["capture-output"]),
  };
}

/**
 * qemu-ga's audit line for a guest-exec of `request` (the log escapes control characters, so a
 * `\u0000` shows as `\x00` where qemu-ga writes the bytes C0 80).
 */
export function execAuditLine(request: SpawnRequest): string {
  return `guest-exec called: "${[request.path, ...request.args].join(" ")}"`;
}
