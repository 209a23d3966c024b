/**
 * Start-up and lifetime of the agent, in qemu-ga's order (spec §3.4): state directory and frozen
 * check, log file, command filter, channel (with `--retry-path`), signals, serve loop, clean
 * exit. Returns the process exit status.
 *
 * @module
 */

import { type Channel, ChannelOpenError } from "../channel/channel.ts";
import { HANDLERS } from "../commands/mod.ts";
import { FileHandleTable } from "../commands/file/handles.ts";
import { FsfreezeService } from "../commands/freeze/service.ts";
import type { CommandContext } from "../commands/context.ts";
import type { AgentConfig } from "../config/config.ts";
import { Dispatcher } from "../dispatch/dispatch.ts";
import { CommandFilter } from "../dispatch/filter.ts";
import type { Sys } from "../sys/sys.ts";
import { AgentState } from "./agent_state.ts";
import type { Logger } from "./log.ts";
import { ServeLoop } from "./serve.ts";
import { QEMU_GA_COMPAT_VERSION, QGA_DENO_VERSION } from "../config/version.ts";

/** Seconds between channel re-opens with `--retry-path`. */
export const RETRY_PATH_DELAY_MS = 5000;

/** Signal numbers as qemu-ga logs them. */
const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/** What the agent needs from its surroundings (injected so tests can fake them). */
export interface AgentEnvironment {
  readonly config: AgentConfig;
  readonly log: Logger;
  readonly sys: Sys;
  /** Opens the configured channel; throws ChannelOpenError with qemu-ga's text. */
  readonly openChannel: () => Promise<Channel>;
  /** Opens the log file once logging may touch the disk (not while frozen); false on failure. */
  readonly openLogFile?: () => boolean;
  /** Called when filesystems are thawed (writes a pidfile deferred by a frozen start). */
  readonly onLeaveFrozen?: () => void;
  /** Commands the profile rules out (name → reason): disabled like `-b` ones. */
  readonly unavailable?: ReadonlyMap<string, string>;
  /** Lines about the sandbox, logged once the log file is open (`audit` also goes to syslog). */
  readonly startupNotes?: readonly {
    readonly level: "critical" | "info" | "audit";
    readonly text: string;
  }[];
}

/** A running agent. */
export class Agent {
  #env: AgentEnvironment;
  #loop: ServeLoop | undefined;
  #stopped = false;
  #stoppedSignal = Promise.withResolvers<void>();
  #state: AgentState | undefined;
  #fsfreeze: FsfreezeService | undefined;

  /** Creates an agent from its environment. */
  constructor(env: AgentEnvironment) {
    this.#env = env;
  }

  /** The agent's state, once started. */
  get state(): AgentState | undefined {
    return this.#state;
  }

  /** SIGTERM/SIGINT: quit, unless filesystems are frozen (qemu-ga then refuses to exit). */
  requestStop(signal: string): void {
    if (this.#state?.frozen) {
      this.#env.log.warning(`ignoring ${signal} while filesystems are frozen`);
      return;
    }
    this.#env.log.debug(`received signal num ${SIGNAL_NUMBERS[signal] ?? signal}, quitting`);
    this.#stopped = true;
    this.#stoppedSignal.resolve();
    this.#loop?.stop();
  }

  /** Runs until stopped; resolves to the exit status. */
  async run(): Promise<number> {
    const { config, log } = this.#env;
    log.debug(
      `Guest agent version ${QEMU_GA_COMPAT_VERSION} (qga-deno ${QGA_DENO_VERSION}) started`,
    );
    let state: AgentState;
    try {
      state = this.#state = AgentState.load(config.statedir, log);
    } catch (error) {
      log.critical(error instanceof Error ? error.message : String(error));
      log.critical("failed to load persistent state");
      log.critical("error initializing guest agent");
      return 1;
    }
    if (state.frozen) {
      log.warning(
        "previous instance appears to have exited with frozen filesystems. deferring " +
          "logging/pidfile creation and disabling non-fsfreeze-safe commands until " +
          "guest-fsfreeze-thaw is issued, or filesystems are manually unfrozen and the file " +
          `${state.paths.frozenMarker} is removed`,
      );
      log.setEnabled(false);
    } else if (this.#env.openLogFile?.() === false) {
      log.critical("error initializing guest agent");
      return 1;
    }
    for (const note of this.#env.startupNotes ?? []) {
      if (note.level === "audit") log.audit(note.text);
      else log.log(note.level, note.text);
    }
    const filter = new CommandFilter({
      ...(this.#env.unavailable === undefined ? {} : { unavailable: this.#env.unavailable }),
      blockRpcs: config.blockRpcs,
      allowRpcs: config.allowRpcs,
      isFrozen: () => state.frozen,
    });
    let logFileDeferred = state.frozen;
    const fsfreeze = new FsfreezeService({
      sys: this.#env.sys,
      state,
      log,
      hook: config.fsfreezeHook,
      timeoutSeconds: config.freezeTimeoutSeconds,
      onLeaveFrozen: () => {
        if (logFileDeferred) {
          logFileDeferred = false;
          this.#env.openLogFile?.();
        }
        this.#env.onLeaveFrozen?.();
      },
    });
    this.#fsfreeze = fsfreeze;
    fsfreeze.resume();
    const replies = { delimitNextReply: () => {}, isAvailable: (_: string) => false };
    const context: CommandContext = {
      version: QEMU_GA_COMPAT_VERSION,
      state,
      log,
      sys: this.#env.sys,
      replies,
      files: new FileHandleTable({ limit: config.maxFileHandles }),
      fsfreeze,
    };
    const dispatcher = new Dispatcher({
      handlers: HANDLERS,
      filter,
      context,
      onInternalError: (name, error) => log.error(`internal error in ${name}: ${error}`),
    });
    replies.delimitNextReply = () => dispatcher.delimitNextReply();
    replies.isAvailable = (name) => dispatcher.isAvailable(name);
    this.#loop = new ServeLoop(dispatcher, log);
    try {
      return await this.#serve(this.#loop);
    } finally {
      this.#loop.dispose();
      await this.#cleanUpFrozen(state);
      fsfreeze.dispose();
    }
  }

  /** As qemu-ga's cleanup on exit: an agent leaving while frozen tries to thaw first. */
  async #cleanUpFrozen(state: AgentState): Promise<void> {
    if (!state.frozen || !this.#fsfreeze) return;
    try {
      await this.#fsfreeze.thaw();
    } catch (error) {
      this.#env.log.audit(
        `failed to clean up frozen filesystems: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  async #serve(loop: ServeLoop): Promise<number> {
    const { config, log } = this.#env;
    while (!this.#stopped) {
      let channel: Channel;
      try {
        channel = await this.#env.openChannel();
      } catch (error) {
        log.critical(error instanceof ChannelOpenError ? error.message : String(error));
        log.critical("failed to create guest agent channel");
        log.critical("failed to initialize guest agent channel");
        if (!config.retryPath) return 1;
        await this.#waitBeforeRetry();
        continue;
      }
      const end = await loop.run(channel);
      if (end === "channel-closed") {
        // isa-serial hang-up: qemu-ga closes the channel and idles until told to quit.
        channel.close();
        await this.#stoppedSignal.promise;
        break;
      }
      channel.close();
      if (end !== "read-error" || !config.retryPath) break;
      await this.#waitBeforeRetry();
    }
    return 0;
  }

  async #waitBeforeRetry(): Promise<void> {
    if (this.#stopped) return;
    this.#env.log.warning("agent stopped unexpectedly, restarting...");
    this.#env.log.warning("waiting for channel path...");
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, RETRY_PATH_DELAY_MS))),
      this.#stoppedSignal.promise,
    ]);
    clearTimeout(timer);
  }
}
