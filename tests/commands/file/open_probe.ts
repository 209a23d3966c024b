/**
 * Subprocess helper for the open tests: runs guest-file-* requests through a dispatcher in a
 * process with its own permissions, umask and working directory, and prints one reply per line.
 *
 * Usage: `deno run [permissions] open_probe.ts <statedir> <request-json>...`; a request may be
 * `{"stat": "<path>"}` instead, which prints the path's permission bits in octal.
 *
 * @module
 */

import { AgentState } from "../../../src/agent/agent_state.ts";
import { Logger } from "../../../src/agent/log.ts";
import { testDispatcher } from "../../helpers/command_context.ts";
import { makeContext, q } from "./helpers.ts";

const [statedir, ...requests] = Deno.args;
const ctx = makeContext(AgentState.load(statedir!, new Logger(() => {})), []);
const dispatcher = testDispatcher({ context: ctx });
for (const text of requests) {
  const request = JSON.parse(text);
  if (typeof request.stat === "string") {
    console.log(((await Deno.stat(request.stat)).mode! & 0o7777).toString(8));
    continue;
  }
  const reply = await dispatcher.dispatch(q(request));
  await Deno.stdout.write(reply ?? new Uint8Array());
}
