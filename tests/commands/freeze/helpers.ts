/**
 * Set-up shared by the freeze/thaw tests: a real `AgentState` on a temporary state directory,
 * a verbose logger capturing lines, fake filesystems, runner and timers.
 *
 * @module
 */

import { AgentState } from "../../../src/agent/agent_state.ts";
import { Logger } from "../../../src/agent/log.ts";
import { FsfreezeService } from "../../../src/commands/freeze/service.ts";
import {
  FakeFilesystems,
  type FakeFilesystemsOptions,
  FakeProcesses,
  FakeTimers,
  type RunScript,
} from "../../helpers/fake_sys/fake_sys.ts";

/** A mountinfo text from `[mount point, major:minor, type]` rows (sources `/dev/x<i>`). */
export function mountinfoOf(rows: readonly (readonly [string, string, string])[]): string {
  return rows.map(([mp, dev, type], i) => `${20 + i} 1 ${dev} / ${mp} rw - ${type} /dev/x${i} rw\n`)
    .join("");
}

/** The usual four local filesystems. */
export const FOUR_MOUNTS = mountinfoOf([
  ["/", "8:1", "ext4"],
  ["/boot", "8:2", "ext4"],
  ["/home", "8:3", "xfs"],
  ["/data", "8:4", "ext4"],
]);

/** Options of {@link setup}. */
export interface SetupOptions extends FakeFilesystemsOptions {
  /** `-F` hook path. */
  readonly hook?: string;
  /** Hook outcomes. */
  readonly script?: RunScript;
  /** `--freeze-timeout`. */
  readonly timeoutSeconds?: number;
  /** Create `qga.state.isfrozen` before loading the state (a restart while frozen). */
  readonly startFrozen?: boolean;
}

/** Everything a freeze test looks at. */
export interface Fixture {
  readonly ops: FakeFilesystems;
  readonly runner: FakeProcesses;
  readonly timers: FakeTimers;
  readonly state: AgentState;
  readonly log: Logger;
  readonly service: FsfreezeService;
  /** Log lines without timestamps, e.g. `warning: disabling logging ...`. */
  readonly lines: string[];
  /** Path of the frozen marker. */
  readonly marker: string;
  /** True when the marker file exists. */
  markerExists(): boolean;
}

/** Builds a fixture (the state directory is removed when the test process exits). */
export function setup(options: SetupOptions = {}): Fixture {
  const dir = Deno.makeTempDirSync({ prefix: "qga-freeze-" });
  addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const lines: string[] = [];
  const log = new Logger((line) => lines.push(line.replace(/^\d+\.\d{6}: /, "").trimEnd()), true);
  if (options.startFrozen) Deno.writeFileSync(`${dir}/qga.state.isfrozen`, new Uint8Array());
  const state = AgentState.load(dir, log);
  if (state.frozen) log.setEnabled(false); // what Agent.run does when starting frozen
  const ops = new FakeFilesystems({ mountinfo: FOUR_MOUNTS, ...options });
  const runner = new FakeProcesses([], options.script);
  const timers = new FakeTimers();
  const service = new FsfreezeService({
    sys: { filesystems: ops, processes: runner },
    state,
    log,
    hook: options.hook,
    timeoutSeconds: options.timeoutSeconds,
    timers,
  });
  const marker = state.paths.frozenMarker;
  const markerExists = () => {
    try {
      Deno.statSync(marker);
      return true;
    } catch {
      return false;
    }
  };
  return { ops, runner, timers, state, log, service, lines, marker, markerExists };
}

/** The error description of a rejected promise (QgaError desc as text). */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const desc = (e as { desc?: unknown }).desc;
    if (typeof desc === "string") return desc;
    if (desc instanceof Uint8Array) return new TextDecoder().decode(desc);
    throw e;
  }
  throw new Error("expected a rejection");
}
