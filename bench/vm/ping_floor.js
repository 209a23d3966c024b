/**
 * The start-up floor of the virtio-serial benchmark: the least a Deno program does to answer a
 * guest-ping on the agent's port. It opens the port given as its argument and answers every
 * JSON object it reads (a closing brace at depth 0; requests need no newline) with
 * `{"return": {}}`; nothing else (no parsing, no permissions set, no FFI).
 * Run in the guest under `deno run -A` with the agent's V8 flags; plain JavaScript so the guest
 * transpiles nothing.
 *
 * @module
 */

const port = await Deno.open(Deno.args[0], { read: true, write: true });
const reply = new TextEncoder().encode(`{"return": {}}\n`);
const buf = new Uint8Array(65536);
let depth = 0;
while (true) {
  const n = await port.read(buf);
  if (n === null) {
    // The host side is not connected: the port reads end-of-file at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    continue;
  }
  for (let i = 0; i < n; i++) {
    if (buf[i] === 0x7b) depth++;
    else if (buf[i] === 0x7d && --depth === 0) await port.write(reply);
  }
}
