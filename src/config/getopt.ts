/**
 * A faithful model of glibc's `getopt_long` (default "permute" mode), as qemu-ga uses it.
 *
 * Covered: clustered short options (`-vd`), attached and separate arguments (`-mx`, `-m x`),
 * optional arguments that must be attached (`-F/path`, `--fsfreeze-hook=/path`), `--opt=value`,
 * unique-prefix abbreviations (several matches with the same meaning are not ambiguous; the
 * first wins), `--` ending the options, non-option words skipped, and glibc's exact messages.
 *
 * Extension long options (qga-deno's own) live in a second table that is consulted only when
 * a name matches nothing in the first, so every abbreviation valid for qemu-ga keeps its meaning.
 *
 * Not modelled: `POSIXLY_CORRECT` (stop at the first non-option), and a non-ASCII short option
 * is reported as the whole character where glibc prints its first byte.
 *
 * @module
 */

/** How a long option takes its argument (glibc's `no_argument` etc.). */
export type ArgumentMode = "none" | "required" | "optional";

/** One row of a `struct option` table. */
export interface LongOption {
  /** The name without the leading `--`. */
  name: string;
  /** Whether an argument is refused, needed or optional. */
  hasArg: ArgumentMode;
  /** What the option means: the equivalent short option letter, or a name for long-only ones. */
  key: string;
}

/** The option grammar handed to {@linkcode getoptLong}. */
export interface GetoptSpec {
  /** The program name used in messages (glibc prints `argv[0]`). */
  programName: string;
  /** getopt's short option string, e.g. `"hVm:F::"`. */
  shortOptions: string;
  /** The main long option table, in declaration order (it orders ambiguity lists). */
  longOptions: readonly LongOption[];
  /** Long options consulted only when a name matches nothing in `longOptions`. */
  extensionOptions?: readonly LongOption[];
}

/** One result of the scan: a recognised option, or glibc's error message for a bad one. */
export type GetoptEvent =
  | { kind: "option"; key: string; arg?: string }
  | { kind: "error"; message: string };

/**
 * Scans `argv` (without the program name) the way repeated `getopt_long` calls do, continuing
 * after errors as getopt does. Callers stop at the first error event, as qemu-ga exits there.
 *
 * @param argv The arguments after the program name.
 * @param spec The option grammar.
 * @returns The recognised options and errors in order; non-option words are left out.
 */
export function getoptLong(argv: readonly string[], spec: GetoptSpec): GetoptEvent[] {
  const shorts = parseShortOptions(spec.shortOptions);
  const events: GetoptEvent[] = [];
  let index = 0;
  while (index < argv.length) {
    const word = argv[index]!;
    if (word === "--") break;
    if (word.length < 2 || word[0] !== "-") {
      index++;
      continue;
    }
    if (word.startsWith("--")) {
      index = scanLong(argv, index, spec, events);
      continue;
    }
    index++;
    const chars = Array.from(word.slice(1));
    for (let at = 0; at < chars.length; at++) {
      const char = chars[at]!;
      const mode = shorts.get(char);
      if (mode === undefined) {
        events.push(fail(spec, `invalid option -- '${char}'`));
        continue;
      }
      const rest = chars.slice(at + 1).join("");
      if (mode === "none") {
        events.push({ kind: "option", key: char });
      } else if (rest !== "") {
        events.push({ kind: "option", key: char, arg: rest });
        break;
      } else if (mode === "optional") {
        events.push({ kind: "option", key: char });
      } else if (index < argv.length) {
        events.push({ kind: "option", key: char, arg: argv[index++]! });
      } else {
        events.push(fail(spec, `option requires an argument -- '${char}'`));
      }
    }
  }
  return events;
}

function scanLong(
  argv: readonly string[],
  index: number,
  spec: GetoptSpec,
  events: GetoptEvent[],
): number {
  const body = argv[index]!.slice(2);
  const equals = body.indexOf("=");
  const name = equals < 0 ? body : body.slice(0, equals);
  let match = matchLong(name, spec.longOptions);
  if (match.kind === "none" && spec.extensionOptions) {
    match = matchLong(name, spec.extensionOptions);
  }
  index++;
  if (match.kind === "ambiguous") {
    const list = match.candidates.map((option) => ` '--${option.name}'`).join("");
    events.push(fail(spec, `option '--${body}' is ambiguous; possibilities:${list}`));
    return index;
  }
  if (match.kind === "none") {
    events.push(fail(spec, `unrecognized option '--${body}'`));
    return index;
  }
  const option = match.option;
  if (equals >= 0) {
    if (option.hasArg === "none") {
      events.push(fail(spec, `option '--${option.name}' doesn't allow an argument`));
    } else {
      events.push({ kind: "option", key: option.key, arg: body.slice(equals + 1) });
    }
  } else if (option.hasArg === "required") {
    if (index < argv.length) {
      events.push({ kind: "option", key: option.key, arg: argv[index++]! });
    } else {
      events.push(fail(spec, `option '--${option.name}' requires an argument`));
    }
  } else {
    events.push({ kind: "option", key: option.key });
  }
  return index;
}

type LongMatch =
  | { kind: "found"; option: LongOption }
  | { kind: "ambiguous"; candidates: LongOption[] }
  | { kind: "none" };

/** glibc's lookup: exact name first, else prefixes; matches differing from the first clash. */
function matchLong(name: string, table: readonly LongOption[]): LongMatch {
  const exact = table.find((option) => option.name === name);
  if (exact) return { kind: "found", option: exact };
  let first: LongOption | undefined;
  const candidates: LongOption[] = [];
  let ambiguous = false;
  for (const option of table) {
    if (!option.name.startsWith(name)) continue;
    if (first === undefined) {
      first = option;
      candidates.push(option);
    } else if (option.hasArg !== first.hasArg || option.key !== first.key) {
      ambiguous = true;
      candidates.push(option);
    }
  }
  if (ambiguous) return { kind: "ambiguous", candidates };
  return first ? { kind: "found", option: first } : { kind: "none" };
}

function parseShortOptions(text: string): Map<string, ArgumentMode> {
  const modes = new Map<string, ArgumentMode>();
  const chars = Array.from(text);
  for (let at = 0; at < chars.length; at++) {
    const char = chars[at]!;
    if (char === ":" || char === ";") continue;
    let mode: ArgumentMode = "none";
    if (chars[at + 1] === ":") {
      mode = chars[at + 2] === ":" ? "optional" : "required";
      at += mode === "optional" ? 2 : 1;
    }
    modes.set(char, mode);
  }
  return modes;
}

function fail(spec: GetoptSpec, text: string): GetoptEvent {
  return { kind: "error", message: `${spec.programName}: ${text}\n` };
}
