/**
 * A small getopt-style parser for the client's command lines: long options (`--name`,
 * `--name=value`, `--name value`), short ones (`-s PATH`, `-sPATH`, `-h`), repeatable options,
 * and `--`, after which everything is an operand (the guest program of `exec`).
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** One option a command line accepts. */
export interface OptionSpec {
  /** Long name, without `--`. */
  readonly name: string;
  /** One-letter short name, without `-`. */
  readonly short?: string;
  /** The option takes a value (shown as this placeholder in help); a flag otherwise. */
  readonly value?: string;
  /** The option may be given more than once (its values are collected). */
  readonly multiple?: boolean;
  /** One line of help. */
  readonly help: string;
}

/** What a parse found. */
export interface Parsed {
  /** Option values by long name: `true` for a flag, a string or (multiple) a string list. */
  readonly options: Record<string, true | string | string[]>;
  /** Operands, in order (including those after `--`). */
  readonly operands: string[];
  /** Whether `--` was seen (operands after it start at {@linkcode Parsed.dashDashAt}). */
  readonly dashDashAt: number | undefined;
}

/**
 * Parses `argv` against `specs`.
 *
 * @param argv The words.
 * @param specs The accepted options.
 * @param stopAtOperand Stop option parsing at the first operand (`exec`'s program may follow
 *   without `--`).
 * @returns Options, operands and where `--` was.
 * @throws UsageError for an unknown option, a missing value, a value given to a flag, or a
 *   repeated single option.
 */
export function parseCommandLine(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  stopAtOperand = false,
): Parsed {
  const options: Record<string, true | string | string[]> = {};
  const operands: string[] = [];
  let dashDashAt: number | undefined;
  const set = (spec: OptionSpec, value: true | string) => {
    if (spec.multiple) {
      const list = options[spec.name];
      options[spec.name] = [...(Array.isArray(list) ? list : []), String(value)];
    } else if (spec.name in options) {
      throw new UsageError(`Option --${spec.name} given twice`);
    } else options[spec.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (dashDashAt !== undefined || word === "-" || !word.startsWith("-")) {
      operands.push(word);
      if (stopAtOperand && dashDashAt === undefined) dashDashAt = operands.length - 1;
      continue;
    }
    if (word === "--") {
      dashDashAt = operands.length;
      continue;
    }
    const long = word.startsWith("--");
    const eq = long ? word.indexOf("=") : -1;
    const name = long ? word.slice(2, eq < 0 ? undefined : eq) : word[1]!;
    const spec = specs.find((s) => (long ? s.name === name : s.short === name));
    if (!spec) throw new UsageError(`Unknown option ${long ? `--${name}` : `-${name}`}`);
    const shown = long ? `--${spec.name}` : `-${spec.short}`;
    if (!spec.value) {
      if (eq >= 0 || (!long && word.length > 2)) {
        throw new UsageError(`Option ${shown} takes no value`);
      }
      set(spec, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = word.slice(eq + 1);
    else if (!long && word.length > 2) value = word.slice(2);
    else value = argv[++i];
    if (value === undefined) throw new UsageError(`Option ${shown} needs a value (${spec.value})`);
    set(spec, value);
  }
  return { options, operands, dashDashAt };
}

/**
 * Help lines for options: `  -s, --socket ADDR   text`, aligned.
 *
 * @param specs The options.
 * @returns The lines.
 */
export function optionHelp(specs: readonly OptionSpec[]): string[] {
  const heads = specs.map((s) =>
    `  ${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.value ? ` ${s.value}` : ""}`
  );
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return specs.map((s, i) => heads[i]!.padEnd(width) + s.help);
}

/** The string value of option `name`, if given. */
export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.options[name];
  return typeof value === "string" ? value : undefined;
}

/** The values of a repeatable option `name` (empty if not given). */
export function listOption(parsed: Parsed, name: string): string[] {
  const value = parsed.options[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/** Whether flag `name` was given. */
export function flag(parsed: Parsed, name: string): boolean {
  return parsed.options[name] === true;
}

/**
 * A number of seconds given to option `name`, in milliseconds.
 *
 * @param parsed The parse.
 * @param name The option.
 * @returns Milliseconds, or undefined if not given.
 * @throws UsageError if it is not a positive number.
 */
export function secondsOption(parsed: Parsed, name: string): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--${name} needs a positive number of seconds, not '${text}'`);
  }
  return Math.round(seconds * 1000);
}
