/**
 * The layering of `src/`, read from the code itself: every import points down the layers
 * (channel → stream → dispatch → commands → sys, with `agent/` on top wiring them and `schema/`
 * and `qobject/` underneath as the wire's vocabulary), only `sys/` (and `channel/`, for the host
 * channel's descriptor) reaches libc, and only `sys/` touches raw pointers or starts programs.
 *
 * @module
 */

import assert from "node:assert/strict";

const SRC = new URL("../../src/", import.meta.url);
const ROOT = new URL("../../", import.meta.url);

/**
 * The layers each layer may import (besides itself). Anything else is an upward (or sideways)
 * arrow and fails the test.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  main: ["agent"],
  agent: [
    "channel",
    "config",
    "dispatch",
    "commands",
    "policy",
    "schema",
    "stream",
    "qobject",
    "sys",
  ],
  channel: ["sys"],
  config: ["sys"],
  stream: ["qobject"],
  dispatch: ["commands", "schema", "qobject"],
  // The sandbox's policy (issue 11): profiles, needs, audit — decided from the config, the
  // schema, the commands' fixed paths and programs, and what the OS layer reports.
  policy: ["config", "schema", "commands", "sys"],
  commands: ["schema", "qobject", "sys"],
  schema: ["qobject"],
  qobject: [],
  sys: [],
  // The host-side client (issue 14): the wire's vocabulary only, none of the agent's layers.
  client: ["schema", "qobject"],
};

/** Modules that may import `src/sys/libc.ts` (and its symbol table): the OS layer, the channel. */
const LIBC_USERS = ["sys", "channel"];

interface SourceFile {
  /** Path relative to the repository root. */
  readonly path: string;
  /** Its layer: the first directory under `src/`, or `main` for main.ts. */
  readonly layer: string;
  /** The code without comments. */
  readonly code: string;
  /** Relative import specifiers resolved to repository paths. */
  readonly imports: readonly string[];
}

/** Removes `//` and `/* *\/` comments (good enough for this code base's style). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`. */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

function layerOf(path: string): string {
  if (path === "main.ts") return "main";
  const match = /^src\/([^/]+)\//.exec(path);
  return match ? match[1]! : "outside";
}

function readSource(path: string): SourceFile {
  const text = Deno.readTextFileSync(new URL(path, ROOT));
  const code = stripComments(text);
  return { path, layer: layerOf(path), code, imports: readImportsOf(text, path) };
}

function walk(dir: URL, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...walk(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".ts")) out.push(`${prefix}${entry.name}`);
  }
  return out;
}

const FILES: readonly SourceFile[] = ["main.ts", ...walk(SRC, "src/")].map(readSource);

/** The layering violations of `files`: `<file> → <import>` lines. */
export function upwardImports(files: readonly SourceFile[]): string[] {
  const bad: string[] = [];
  for (const file of files) {
    for (const target of file.imports) {
      const layer = layerOf(target);
      if (layer === file.layer || ALLOWED[file.layer]?.includes(layer)) continue;
      bad.push(`${file.path} → ${target}`);
    }
  }
  return bad;
}

Deno.test("src/ imports only point down the layers", () => {
  assert.ok(FILES.length > 50, "the walk found the source files");
  assert.deepEqual(upwardImports(FILES), []);
});

Deno.test("the layering check catches a command importing the agent", () => {
  const command = FILES.find((f) => f.path === "src/commands/sync.ts")!;
  const mutated = { ...command, imports: [...command.imports, "src/agent/log.ts"] };
  assert.deepEqual(upwardImports([mutated]), ["src/commands/sync.ts → src/agent/log.ts"]);
  const text = Deno.readTextFileSync(new URL(command.path, ROOT));
  for (const line of ['import { Logger } from "../agent/log.ts";', 'import "../agent/log.ts";']) {
    const parsed = { ...command, imports: readImportsOf(`${line}\n${text}`, command.path) };
    assert.deepEqual(upwardImports([parsed]), ["src/commands/sync.ts → src/agent/log.ts"]);
  }
});

/** The relative imports of `text` (the file at `path`), resolved to repository paths. */
function readImportsOf(text: string, path: string): string[] {
  const out: string[] = [];
  for (const m of stripComments(text).matchAll(IMPORT)) {
    const specifier = m[1] ?? m[2] ?? m[3]!;
    if (specifier.startsWith(".")) {
      out.push(new URL(specifier, new URL(path, ROOT)).href.slice(ROOT.href.length));
    }
  }
  return out;
}

Deno.test("only src/sys/libc.ts opens a library, and only sys/ and channel/ import it", () => {
  const dlopen = FILES.filter((f) => /\bDeno\.dlopen\b/.test(f.code)).map((f) => f.path);
  assert.deepEqual(dlopen, ["src/sys/libc.ts"]);
  const libcImporters = FILES.filter((f) =>
    f.imports.some((i) => i === "src/sys/libc.ts" || i === "src/sys/libc_symbols.ts")
  );
  for (const file of libcImporters) assert.ok(LIBC_USERS.includes(file.layer), file.path);
});

Deno.test("raw pointers and child processes stay in src/sys/", () => {
  const outside = (pattern: RegExp) =>
    FILES.filter((f) => f.layer !== "sys" && pattern.test(f.code)).map((f) => f.path);
  assert.deepEqual(outside(/\bDeno\.Unsafe[A-Za-z]+\b/), []);
  assert.deepEqual(outside(/\bnew Deno\.Command\b/), []);
});

Deno.test("commands reach the OS only through ctx.sys (no Deno file, process or net API)", () => {
  const apis =
    /\bDeno\.(open|readFile|readTextFile|writeFile|writeTextFile|stat|lstat|realPath|readDir|readLink|remove|rename|mkdir|Command|connect|listen|dlopen)\w*\b/;
  const offenders = FILES.filter((f) => f.layer === "commands" && apis.test(f.code));
  assert.deepEqual(offenders.map((f) => f.path), []);
});
