import assert from "node:assert/strict";
import { HANDLERS } from "../../src/commands/mod.ts";
import { type Dispatcher, encodeError } from "../../src/dispatch/dispatch.ts";
import { QgaError } from "../../src/schema/errors.ts";
import { COMMANDS } from "../../src/schema/schema.ts";
import type { QDict, QValue } from "../../src/qobject/value.ts";
import { testDispatcher } from "../helpers/command_context.ts";

const dec = new TextDecoder();

/** Builds a QDict from nested plain data (objects become Maps, numbers stay doubles). */
function q(v: unknown): QValue {
  if (Array.isArray(v)) return v.map(q);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
    return new Map(Object.entries(v).map(([k, x]) => [k, q(x)])) as QDict;
  }
  return v as QValue;
}

function makeDispatcher(opts: { block?: string[]; allow?: string[]; frozen?: boolean } = {}) {
  const filter = {
    blockRpcs: opts.block,
    allowRpcs: opts.allow,
    isFrozen: () => opts.frozen ?? false,
  };
  const handlers = {
    "guest-sync": (a: { id: bigint }) => a.id,
    "guest-sync-delimited": (a: { id: bigint }) => (d.delimitNextReply(), a.id),
    "guest-ping": () => {},
    "guest-get-time": () => 1795697134263084000n,
    "guest-shutdown": () => {},
    "guest-file-seek": (a: unknown) => ({ position: 0n, eof: false, a }),
    "guest-set-vcpus": (a: { vcpus: unknown[] }) => a.vcpus.length,
    "guest-file-read": () => {
      throw new QgaError("handle '1000' has not been found");
    },
    "guest-fsfreeze-status": () => {
      throw new Error("boom");
    },
  };
  const d: Dispatcher = testDispatcher({ handlers, filter });
  return d;
}

async function reply(d: Dispatcher, request: unknown): Promise<string | null> {
  const bytes = await d.dispatch(q(request));
  return bytes === null ? null : dec.decode(bytes);
}

const err = (desc: string, cls = "GenericError") =>
  `{"error": {"class": "${cls}", "desc": "${desc}"}}\n`;

Deno.test("Dispatcher.dispatch() checks the envelope in qemu-ga's order", async () => {
  const d = makeDispatcher();
  assert.equal(await reply(d, [1, 2]), err("QMP input must be a JSON object"));
  assert.equal(await reply(d, {}), err("QMP input lacks member 'execute'"));
  assert.equal(await reply(d, { arguments: {} }), err("QMP input lacks member 'execute'"));
  assert.equal(await reply(d, { execute: 1n }), err("QMP input member 'execute' must be a string"));
  assert.equal(
    await reply(d, { execute: 1n, id: 5n }),
    `{"id": 5, "error": {"class": "GenericError", "desc": "QMP input member 'execute' must be a string"}}\n`,
  );
  assert.equal(
    await reply(d, { execute: "guest-ping", arguments: [] }),
    err("QMP input member 'arguments' must be an object"),
  );
  assert.equal(
    await reply(d, { execute: "guest-ping", arguments: null }),
    err("QMP input member 'arguments' must be an object"),
  );
  assert.equal(
    await reply(d, { "exec-oob": "guest-ping" }),
    err("QMP input member 'exec-oob' is unexpected"),
  );
  assert.equal(
    await reply(d, { execute: "guest-ping", extra: 1n }),
    err("QMP input member 'extra' is unexpected"),
  );
});

Deno.test("Dispatcher.dispatch() echoes any id after return and before error", async () => {
  const d = makeDispatcher();
  assert.equal(await reply(d, { execute: "guest-ping", id: 1n }), '{"return": {}, "id": 1}\n');
  assert.equal(
    await reply(d, { execute: "guest-ping", id: { a: [1n, 2n] } }),
    '{"return": {}, "id": {"a": [1, 2]}}\n',
  );
  assert.equal(await reply(d, { execute: "guest-ping", id: null }), '{"return": {}, "id": null}\n');
  assert.equal(
    await reply(d, { execute: "guest-nonexistent", id: 5n }),
    `{"id": 5, "error": {"class": "CommandNotFound", "desc": "The command guest-nonexistent has not been found"}}\n`,
  );
  assert.equal(
    await reply(d, { execute: "", id: "x" }),
    `{"id": "x", "error": {"class": "CommandNotFound", "desc": "The command  has not been found"}}\n`,
  );
});

Deno.test("Dispatcher.dispatch() keeps int64 ids exact and rejects out-of-range ones", async () => {
  const d = makeDispatcher();
  for (const id of [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    assert.equal(
      await reply(d, { execute: "guest-sync", arguments: { id } }),
      `{"return": ${id}}\n`,
    );
  }
  for (const id of [2n ** 63n, 2n ** 64n - 1n, 1.5, "x"]) {
    assert.equal(
      await reply(d, { execute: "guest-sync", arguments: { id } }),
      err("Invalid parameter type for 'id', expected: integer"),
    );
  }
  assert.equal(await reply(d, { execute: "guest-sync" }), err("Parameter 'id' is missing"));
});

Deno.test("Dispatcher.dispatch() prefixes only guest-sync-delimited's reply with 0xFF", async () => {
  const d = makeDispatcher();
  const bytes = await d.dispatch(q({ execute: "guest-sync-delimited", arguments: { id: 42n } }));
  assert.deepEqual([...bytes!.subarray(0, 1)], [0xFF]);
  assert.equal(dec.decode(bytes!.subarray(1)), '{"return": 42}\n');
  assert.equal(await reply(d, { execute: "guest-ping" }), '{"return": {}}\n');
  assert.equal(
    await reply(d, { execute: "guest-sync-delimited" }),
    err("Parameter 'id' is missing"),
  );
});

Deno.test("Dispatcher.dispatch() validates nested arguments with qemu-ga's paths", async () => {
  const d = makeDispatcher();
  assert.equal(
    await reply(d, { execute: "guest-ping", arguments: { foo: 42n } }),
    err("Parameter 'foo' is unexpected"),
  );
  assert.equal(
    await reply(d, { execute: "guest-set-vcpus", arguments: { vcpus: [{ "logical-id": 1n }] } }),
    err("Parameter 'vcpus[0].online' is missing"),
  );
  assert.equal(
    await reply(d, { execute: "guest-set-vcpus", arguments: { vcpus: [5n] } }),
    err("Invalid parameter type for 'vcpus[0]', expected: object"),
  );
  assert.equal(
    await reply(d, { execute: "guest-set-vcpus", arguments: { vcpus: {} } }),
    err("Invalid parameter type for 'vcpus', expected: array"),
  );
  assert.equal(
    await reply(d, {
      execute: "guest-set-vcpus",
      arguments: { vcpus: [{ "logical-id": 1n, online: true, x: 1n }] },
    }),
    err("Parameter 'vcpus[0].x' is unexpected"),
  );
  const seek = (whence: unknown) => ({
    execute: "guest-file-seek",
    arguments: { handle: 1n, offset: 0n, whence },
  });
  assert.equal(
    await reply(d, seek(true)),
    err("Invalid parameter type for 'whence', expected: GuestFileWhence"),
  );
  assert.equal(
    await reply(d, seek(null)),
    err("Invalid parameter type for 'whence', expected: GuestFileWhence"),
  );
  assert.equal(
    await reply(d, seek("bogus")),
    err("Parameter 'whence' does not accept value 'bogus'"),
  );
  assert.equal(
    await reply(d, seek(1.5)),
    err("Invalid parameter type for 'whence', expected: integer"),
  );
  assert.equal(
    await reply(d, { execute: "guest-file-seek", arguments: { handle: 1n, offset: 0n } }),
    err("Parameter 'whence' is missing"),
  );
  assert.equal(
    await reply(d, { execute: "guest-shutdown", arguments: { mode: 5n } }),
    err("Invalid parameter type for 'mode', expected: string"),
  );
  assert.equal(
    await reply(d, { execute: "guest-fsfreeze-freeze-list", arguments: { mountpoints: "x" } }),
    err("Invalid parameter type for 'mountpoints', expected: array"),
  );
});

Deno.test("Dispatcher.dispatch() sends nothing for a successful success-response:false command", async () => {
  const d = makeDispatcher();
  assert.equal(await reply(d, { execute: "guest-shutdown" }), null);
  assert.equal(
    await reply(d, { execute: "guest-shutdown", arguments: { mode: 1n } }),
    err("Invalid parameter type for 'mode', expected: string"),
  );
});

Deno.test("Dispatcher.dispatch() reports disabled commands as 7.2 does", async () => {
  const blocked = makeDispatcher({ block: ["guest-ping", "guest-get-time"] });
  assert.equal(
    await reply(blocked, { execute: "guest-ping" }),
    err("Command guest-ping has been disabled", "CommandNotFound"),
  );
  assert.equal(
    await reply(blocked, { execute: "guest-sync", arguments: { id: 1n } }),
    '{"return": 1}\n',
  );
  const allowed = makeDispatcher({ allow: ["guest-ping"] });
  assert.equal(await reply(allowed, { execute: "guest-ping" }), '{"return": {}}\n');
  assert.equal(
    await reply(allowed, { execute: "guest-get-time" }),
    err("Command guest-get-time has been disabled", "CommandNotFound"),
  );
  const frozen = makeDispatcher({ frozen: true, block: ["guest-ping"] });
  assert.equal(
    await reply(frozen, { execute: "guest-get-time" }),
    err(
      "Command guest-get-time has been disabled: the agent is in frozen state",
      "CommandNotFound",
    ),
  );
  assert.equal(
    await reply(frozen, { execute: "guest-ping" }),
    err("Command guest-ping has been disabled", "CommandNotFound"),
  );
  assert.equal(
    await reply(frozen, { execute: "guest-sync", arguments: { id: 3n } }),
    '{"return": 3}\n',
  );
});

Deno.test("Dispatcher.dispatch() turns handler failures into GenericError replies", async () => {
  const d = makeDispatcher();
  assert.equal(
    await reply(d, { execute: "guest-file-read", arguments: { handle: 1000n } }),
    err("handle '1000' has not been found"),
  );
  assert.match(
    (await reply(d, { execute: "guest-fsfreeze-status" }))!,
    /internal error in guest-fsfreeze-status: boom/,
  );
  // A real handler runs against the fake Sys (no mount table there).
  assert.equal(
    await reply(d, { execute: "guest-fstrim" }),
    err("failed to open mtab file: '/proc/self/mounts'"),
  );
  assert.equal(d.isAvailable("guest-fstrim"), true);
  assert.equal(d.isAvailable("guest-ping"), true);
  assert.equal(d.isAvailable("guest-nonexistent"), false);
});

Deno.test("HANDLERS has one handler per schema command, in schema order", () => {
  assert.deepEqual(Object.keys(HANDLERS), COMMANDS.map((c) => c.name));
  for (const handler of Object.values(HANDLERS)) assert.equal(typeof handler, "function");
});

Deno.test("QgaError.joined() is its joined text, replied byte-identically", async () => {
  const name = "m".repeat(70_000) + "é\u0000";
  const joined = QgaError.joined(["QMP input member '", name, "' is unexpected"]);
  const plain = new QgaError(`QMP input member '${name}' is unexpected`);
  assert.equal(joined.desc, plain.desc);
  assert.equal(joined.message, plain.message);
  assert.equal(joined.errorClass, "GenericError");
  assert.deepEqual(joined.descPieces, ["QMP input member '", name, "' is unexpected"]);
  assert.equal(plain.descPieces, undefined);
  assert.deepEqual(encodeError(joined, 5n), encodeError(plain, 5n));
  assert.deepEqual(encodeError(joined), encodeError(plain));
  const notFound = QgaError.joined(["The command ", "x", " has not been found"], "CommandNotFound");
  assert.equal(notFound.errorClass, "CommandNotFound");
  // The dispatcher's own uses: an unexpected member, and a name longer than any command's.
  const d = makeDispatcher();
  assert.equal(
    await reply(d, { execute: "guest-ping", [name]: 1n }),
    dec.decode(encodeError(plain)),
  );
  const long = "guest-" + "p".repeat(100_000);
  assert.equal(
    await reply(d, { execute: long }),
    err(`The command ${long} has not been found`, "CommandNotFound"),
  );
});
