/**
 * `deno task client`: the host-side client of a QEMU guest agent (issue 14). It runs with its
 * own permission set `client` of `deno.json` — the agent's set `default` is unchanged.
 *
 * `main()` parses the command line, opens the session on first use, runs the subcommand, and
 * turns every failure into a message and an exit code (see `errors.ts`).
 *
 * @module
 */

import { parseAddress } from "./address.ts";
import {
  flag,
  parseCommandLine,
  type Parsed,
  secondsOption,
  stringOption,
} from "./command_line.ts";
import { type CommandContext, findClientCommand } from "./commands/mod.ts";
import { AgentError, ClientError, EXIT, UsageError } from "./errors.ts";
import { type ClientIo, processIo, writeText } from "./io.ts";
import { Session } from "./session.ts";
import { ADDRESS_ENV, commandUsage, GLOBAL_OPTIONS, usage } from "./usage.ts";

/** Default time for the connect and the resync. */
const SYNC_TIMEOUT_MS = 5000;

/**
 * Runs the client.
 *
 * @param argv The command line (a leading `--`, which `deno task` passes on, is dropped).
 * @param io The process's streams and environment.
 * @returns The exit code.
 */
export async function main(argv: readonly string[], io: ClientIo): Promise<number> {
  let session: Session | undefined;
  try {
    const words = argv[0] === "--" ? argv.slice(1) : argv;
    const head = parseCommandLine(words, GLOBAL_OPTIONS, true);
    const [name, ...rest] = head.operands;
    if (flag(head, "help") && name === undefined) {
      await writeText(io.stdout, usage());
      return EXIT.ok;
    }
    if (name === undefined) throw new UsageError("No command given");
    const command = findClientCommand(name);
    if (!command) throw new UsageError(`Unknown command '${name}'`);
    const tail = parseCommandLine(
      rest,
      [...GLOBAL_OPTIONS, ...(command.options ?? [])],
      command.stopAtOperand,
    );
    if (flag(head, "help") || flag(tail, "help")) {
      await writeText(io.stdout, commandUsage(command));
      return EXIT.ok;
    }
    // Global options may come before or after the command word; after it wins.
    const either = <T>(read: (p: Parsed, name: string) => T | undefined, name: string) =>
      read(tail, name) ?? read(head, name);
    const timeoutMs = either(secondsOption, "timeout");
    const syncMs = either(secondsOption, "sync-timeout") ?? SYNC_TIMEOUT_MS;
    const addressText = either(stringOption, "socket") ?? io.env(ADDRESS_ENV);
    if (addressText === undefined) {
      throw new UsageError(`No agent address: give -s ADDR (or set ${ADDRESS_ENV})`);
    }
    const address = parseAddress(addressText);
    const ctx: CommandContext = {
      io,
      json: flag(head, "json") || flag(tail, "json"),
      parsed: tail,
      timeout: (defaultMs) => timeoutMs ?? defaultMs,
      session: async () => session ??= await Session.open(address, syncMs),
    };
    return await command.run(ctx);
  } catch (error) {
    return await report(io, error);
  } finally {
    await session?.close();
  }
}

/** Prints a failure and returns its exit code. */
async function report(io: ClientIo, error: unknown): Promise<number> {
  if (error instanceof AgentError) {
    await writeText(io.stderr, `error: ${error.errorClass}: ${error.desc}\n`);
    return EXIT.failed;
  }
  if (error instanceof UsageError) {
    await writeText(io.stderr, `error: ${error.message}\nTry 'deno task client --help'.\n`);
    return error.exitCode;
  }
  if (error instanceof ClientError) {
    await writeText(io.stderr, `error: ${error.message}\n`);
    return error.exitCode;
  }
  throw error;
}

/**
 * Goes to the directory `deno task` was started from (`INIT_CWD`): the task runs in the
 * repository, but the operator's relative paths (`cp ./disk.img guest:/tmp/`) mean their own.
 */
function enterInvokingDirectory(): void {
  const dir = Deno.env.get("INIT_CWD");
  try {
    if (dir) Deno.chdir(dir);
  } catch {
    // Gone since: relative paths then mean the repository's.
  }
}

if (import.meta.main) {
  enterInvokingDirectory();
  Deno.exit(await main(Deno.args, processIo()));
}
