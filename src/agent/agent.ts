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
import type { CommandContext } from "../commands/context.ts";
import type { AgentConfig } from "../config/config.ts";
import { Dispatcher } from "../dispatch/dispatch.ts";
import { CommandFilter } from "../dispatch/filter.ts";
import type { Sys } from "../sys/sys.ts";
import { AgentState } from "./agent_state.ts";
import type { Logger } from "./log.ts";
import { ServeLoop } from "./serve.ts";
import { QEMU_GA_COMPAT_VERSION, QGA_DENO_VERSION } from "./version.ts";

/** Seconds between channel re-opens with `--retry-path`. */
export const RETRY_PATH_DELAY_MS = 5000;

/** What the agent needs from its surroundings (injected so tests can fake them). */
export interface AgentEnvironment {
  readonly config: AgentConfig;
  readonly log: Logger;
  readonly sys: Sys;
  /** Opens the configured channel; throws ChannelOpenError with qemu-ga's text. */
  readonly openChannel: () => Promise<Channel>;
  /** Opens the log file once logging may touch the disk (not while frozen); false on failure. */
  readonly openLogFile?: () => boolean;
}

/** A running agent. */
export class Agent {
  #env: AgentEnvironment;
  #loop: ServeLoop | undefined;
  #stopped = false;
  #state: AgentState | undefined;

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
    this.#env.log.debug(`received signal ${signal}, quitting`);
    this.#stopped = true;
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
    const filter = new CommandFilter({
      blockRpcs: config.blockRpcs,
      allowRpcs: config.allowRpcs,
      isFrozen: () => state.frozen,
    });
    const replies = { delimitNextReply: () => {}, isAvailable: (_: string) => false };
    const context: CommandContext = {
      version: QEMU_GA_COMPAT_VERSION,
      state,
      log,
      sys: this.#env.sys,
      replies,
      files: new FileHandleTable({ limit: config.maxFileHandles }),
    };
    const dispatcher = new Dispatcher({
      handlers: HANDLERS as Record<string, never>,
      filter,
      context,
      onInternalError: (name, error) => log.error(`internal error in ${name}: ${error}`),
    });
    replies.delimitNextReply = () => dispatcher.delimitNextReply();
    replies.isAvailable = (name) => dispatcher.isAvailable(name);
    this.#loop = new ServeLoop(dispatcher, log);
    return await this.#serve(this.#loop);
  }

  async #serve(loop: ServeLoop): Promise<number> {
    const { config, log } = this.#env;
    let first = true;
    while (!this.#stopped) {
      let channel: Channel;
      try {
        channel = await this.#env.openChannel();
      } catch (error) {
        const text = error instanceof ChannelOpenError ? error.message : String(error);
        log.critical(text);
        log.critical("failed to create guest agent channel");
        if (!config.retryPath) {
          log.critical("failed to initialize guest agent channel");
          if (first) log.critical("error initializing guest agent");
          return 1;
        }
        log.warning("waiting for channel path...");
        await sleep(RETRY_PATH_DELAY_MS);
        continue;
      }
      first = false;
      const end = await loop.run(channel);
      if (end === "channel-closed") {
        // isa-serial hang-up: qemu-ga closes the channel and idles until told to quit.
        channel.close();
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => this.#stopped && (clearInterval(timer), resolve()), 200);
        });
        break;
      }
      channel.close();
      if (end !== "read-error" || !config.retryPath) break;
      log.warning("agent stopped unexpectedly, restarting...");
      await sleep(RETRY_PATH_DELAY_MS);
    }
    return 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
