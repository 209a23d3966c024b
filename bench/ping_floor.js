/**
 * The start-up floor of the host benchmark: the least a Deno program does to answer a guest-ping
 * on a unix socket. It listens on the path given as its argument and answers every JSON object
 * it reads (a closing brace at depth 0) with `{"return": {}}`; nothing else (no parsing, no FFI).
 * Run under `deno run -A` with the agent's V8 flags (see `agents.ts`); plain JavaScript, as
 * `vm/ping_floor.js` is for the guest.
 *
 * @module
 */

const listener = Deno.listen({ transport: "unix", path: Deno.args[0] });
const reply = new TextEncoder().encode(`{"return": {}}\n`);
const buf = new Uint8Array(65536);
for await (const conn of listener) {
  let depth = 0;
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    for (let i = 0; i < n; i++) {
      if (buf[i] === 0x7b) depth++;
      else if (buf[i] === 0x7d && --depth === 0) await conn.write(reply);
    }
  }
  conn.close();
}
