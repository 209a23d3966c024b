/**
 * The client's view of its process: where output goes, whether that is a terminal, standard
 * input, the environment. `main()` gets one, so tests run the whole client in-process and see
 * exactly what it printed.
 *
 * @module
 */

const encoder = new TextEncoder();

/** An output stream. */
export interface Output {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Whether the stream is a terminal (progress bars are drawn only then). */
  isTerminal(): boolean;
}

/** What the client uses of its process. */
export interface ClientIo {
  /** Standard output: results. */
  readonly stdout: Output;
  /** Standard error: errors, progress, notes. */
  readonly stderr: Output;
  /** Reads all of standard input. */
  readStdin(): Promise<Uint8Array>;
  /** Width of the terminal on stderr in columns (80 when unknown). */
  columns(): number;
  /** An environment variable (only the client's own, see `deno.json`'s set `client`). */
  env(name: string): string | undefined;
}

/** Writes `text` as UTF-8. */
export function writeText(out: Output, text: string): Promise<void> {
  return out.write(encoder.encode(text));
}

/** Writes lines, each ending in `\n`. */
export function writeLines(out: Output, lines: readonly string[]): Promise<void> {
  return lines.length === 0 ? Promise.resolve() : writeText(out, lines.join("\n") + "\n");
}

/** An {@linkcode Output} over a Deno stream (`Deno.stdout`, `Deno.stderr`). */
function denoOutput(stream: typeof Deno.stdout): Output {
  return {
    async write(bytes: Uint8Array): Promise<void> {
      let at = 0;
      while (at < bytes.length) at += await stream.write(bytes.subarray(at));
    },
    isTerminal: () => stream.isTerminal(),
  };
}

/** The real process: Deno's standard streams and environment. */
export function processIo(): ClientIo {
  return {
    stdout: denoOutput(Deno.stdout),
    stderr: denoOutput(Deno.stderr),
    readStdin: async () => new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer()),
    columns: () => {
      try {
        return Deno.consoleSize().columns || 80;
      } catch {
        return 80;
      }
    },
    env: (name) => Deno.env.get(name),
  };
}
