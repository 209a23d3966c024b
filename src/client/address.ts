/**
 * Where the agent is: the host side of the guest agent's channel. A unix socket (QEMU
 * `-chardev socket,path=…,server=on`, libvirt's channel socket, an agent on `unix-listen`), a
 * TCP address (`-chardev socket,host=…,port=…`), or vsock `CID:PORT` (an agent on
 * `vsock-listen`).
 *
 * Written as `unix:PATH`, `tcp:HOST:PORT`, `vsock:CID:PORT`, or without a prefix: `CID:PORT`
 * (two numbers) is vsock, `HOST:PORT` (no `/`) is TCP, anything else a socket path.
 *
 * @module
 */

import { ClientError, EXIT, UsageError } from "./errors.ts";

/** An agent address. */
export type Address =
  | { readonly transport: "unix"; readonly path: string }
  | { readonly transport: "tcp"; readonly hostname: string; readonly port: number }
  | { readonly transport: "vsock"; readonly cid: number; readonly port: number };

/** A port number (0–65535 for TCP, any u32 for vsock). */
function portOf(text: string, max: number, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`Invalid ${what} '${text}' in the agent address`);
  }
  return Number(text);
}

/** `HOST:PORT` with `[v6]` brackets allowed. */
function tcpAddress(text: string): Address {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):([^:]*)$/.exec(text);
  if (!m) throw new UsageError(`Invalid TCP address '${text}' (expected HOST:PORT)`);
  const hostname = m[1] ?? m[2] ?? "";
  if (hostname === "") throw new UsageError(`Invalid TCP address '${text}' (no host)`);
  return { transport: "tcp", hostname, port: portOf(m[3]!, 65535, "TCP port") };
}

/** `CID:PORT`. */
function vsockAddress(text: string): Address {
  const m = /^([^:]*):([^:]*)$/.exec(text);
  if (!m) throw new UsageError(`Invalid vsock address '${text}' (expected CID:PORT)`);
  const u32 = 0xffff_ffff;
  return {
    transport: "vsock",
    cid: portOf(m[1]!, u32, "vsock CID"),
    port: portOf(m[2]!, u32, "vsock port"),
  };
}

/**
 * Reads an agent address.
 *
 * @param text `unix:PATH`, `tcp:HOST:PORT`, `vsock:CID:PORT`, `CID:PORT`, `HOST:PORT` or a path.
 * @returns The address.
 * @throws UsageError if the text is empty or malformed.
 */
export function parseAddress(text: string): Address {
  if (text === "") throw new UsageError("The agent address is empty");
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (path === "") throw new UsageError("The agent address 'unix:' names no path");
    return { transport: "unix", path };
  }
  if (text.startsWith("tcp:")) return tcpAddress(text.slice(4));
  if (text.startsWith("vsock:")) return vsockAddress(text.slice(6));
  if (/^\d+:\d+$/.test(text)) return vsockAddress(text);
  if (!text.includes("/") && /^(\[[^\]]+\]|[^:]+):\d+$/.test(text)) return tcpAddress(text);
  return { transport: "unix", path: text };
}

/** The address as the client's messages name it. */
export function describeAddress(address: Address): string {
  switch (address.transport) {
    case "unix":
      return address.path;
    case "tcp":
      return address.hostname.includes(":")
        ? `tcp:[${address.hostname}]:${address.port}`
        : `tcp:${address.hostname}:${address.port}`;
    case "vsock":
      return `vsock:${address.cid}:${address.port}`;
  }
}

/** Deno's vsock connect options (an unstable API: typed here, enabled by `--unstable-vsock`). */
interface VsockConnectOptions {
  transport: "vsock";
  cid: number;
  port: number;
}

/** Why a connect failed, in words an operator can act on. */
function connectFailure(address: Address, error: unknown): ClientError {
  const where = describeAddress(address);
  const reason = error instanceof Error ? error.message : String(error);
  let hint = "";
  if (error instanceof Deno.errors.NotFound) {
    hint = address.transport === "unix" ? "no socket there (wrong path, or QEMU not running)" : "";
  } else if (error instanceof Deno.errors.ConnectionRefused) {
    hint = "nothing listens there (QEMU or the agent not running)";
  } else if (error instanceof Deno.errors.PermissionDenied) {
    hint = "permission denied (the socket belongs to another user: try as its owner or root)";
  } else if (error instanceof Deno.errors.NotCapable) {
    hint = "the client's permission set does not allow it";
  }
  return new ClientError(
    `Cannot connect to the agent at ${where}: ${hint || reason}${hint ? ` (${reason})` : ""}`,
    EXIT.unreachable,
  );
}

/**
 * Connects to the agent's address.
 *
 * @param address Where the agent is.
 * @param timeoutMs How long the connect may take.
 * @returns The connection.
 * @throws ClientError (exit code {@linkcode EXIT.unreachable}) naming the address and the cause.
 */
export async function connectTo(address: Address, timeoutMs: number): Promise<Deno.Conn> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting: Promise<Deno.Conn> = address.transport === "vsock"
    ? (Deno.connect as unknown as (o: VsockConnectOptions) => Promise<Deno.Conn>)(address)
    : address.transport === "unix"
    ? Deno.connect(address)
    : Deno.connect(address);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Deno.errors.TimedOut(`no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([connecting, late]);
  } catch (error) {
    connecting.then((conn) => conn.close(), () => {});
    throw connectFailure(address, error);
  } finally {
    clearTimeout(timer);
  }
}
