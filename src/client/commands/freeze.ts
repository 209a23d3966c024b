/**
 * Filesystem subcommands that change the guest: `freeze [--mountpoints …]`, `thaw`,
 * `freeze-status`, `trim [--minimum BYTES]`. Freezing and trimming can take long in a busy
 * guest, so their default timeout is 10 minutes.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { iec, table } from "../format.ts";
import { isObject, type Json, toNumber } from "../json.ts";
import { listOption, stringOption } from "../command_line.ts";
import { type ClientCommand, LONG_TIMEOUT_MS, operands, show } from "./context.ts";

/** `N filesystem(s)`. */
function filesystems(value: Json): string {
  const n = toNumber(value);
  return `${value} filesystem${n === 1 ? "" : "s"}`;
}

/** `freeze [--mountpoints A,B…]`. */
export const freeze: ClientCommand = {
  name: "freeze",
  usage: "[--mountpoints PATH[,PATH…]]…",
  summary: "freeze filesystems (all, or those named) until 'thaw'",
  options: [{
    name: "mountpoints",
    value: "PATHS",
    multiple: true,
    help: "freeze only these mount points (comma-separated; may be repeated)",
  }],
  run(ctx) {
    operands(ctx, 0);
    const paths = listOption(ctx.parsed, "mountpoints").flatMap((v) => v.split(","))
      .filter((p) => p !== "");
    const given = ctx.parsed.options.mountpoints !== undefined;
    if (given && paths.length === 0) throw new UsageError("--mountpoints names no mount point");
    return given
      ? show(ctx, "guest-fsfreeze-freeze-list", (v) => [`froze ${filesystems(v)}`], {
        mountpoints: paths,
      }, LONG_TIMEOUT_MS)
      : show(
        ctx,
        "guest-fsfreeze-freeze",
        (v) => [`froze ${filesystems(v)}`],
        undefined,
        LONG_TIMEOUT_MS,
      );
  },
};

/** `thaw`. */
export const thaw: ClientCommand = {
  name: "thaw",
  usage: "",
  summary: "thaw the guest's frozen filesystems",
  run(ctx) {
    operands(ctx, 0);
    return show(
      ctx,
      "guest-fsfreeze-thaw",
      (v) => [`thawed ${filesystems(v)}`],
      undefined,
      LONG_TIMEOUT_MS,
    );
  },
};

/** `freeze-status`. */
export const freezeStatus: ClientCommand = {
  name: "freeze-status",
  usage: "",
  summary: "whether the guest's filesystems are frozen",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-fsfreeze-status", (v) => [String(v)]);
  },
};

/** The `guest-fstrim` lines: path, bytes trimmed or the error. */
export function trimLines(value: Json): string[] {
  const paths = isObject(value) && Array.isArray(value.paths) ? value.paths.filter(isObject) : [];
  return table(
    [{ header: "PATH" }, { header: "TRIMMED", right: true }, { header: "ERROR" }],
    paths.map((p) => {
      const trimmed = toNumber(p.trimmed);
      return [String(p.path), trimmed === undefined ? "-" : iec(trimmed), String(p.error ?? "")];
    }),
  );
}

/** `trim [--minimum BYTES]`. */
export const trim: ClientCommand = {
  name: "trim",
  usage: "[--minimum BYTES]",
  summary: "discard unused blocks of the filesystems (FITRIM)",
  options: [{ name: "minimum", value: "BYTES", help: "skip free ranges shorter than this" }],
  run(ctx) {
    operands(ctx, 0);
    const minimum = stringOption(ctx.parsed, "minimum");
    if (minimum !== undefined && !/^\d+$/.test(minimum)) {
      throw new UsageError(`--minimum needs a byte count, not '${minimum}'`);
    }
    const args = minimum === undefined ? undefined : { minimum: BigInt(minimum) };
    return show(ctx, "guest-fstrim", trimLines, args, LONG_TIMEOUT_MS);
  },
};
