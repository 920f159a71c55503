import { DEFAULT_PORT } from '../../protocol/messages.js';

/** `host:port` strings as they appear in the kiosk config and logs. */

export interface ServerAddress {
  host: string;
  port: number;
}

export type AddressParse = { ok: true; address: ServerAddress } | { ok: false; problem: string };

const BRACKETED = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/;
const PLAIN = /^([^\s:[\]/]+)(?::(\d+))?$/;
/** A bare IPv6 address (two colons at least): no port can follow it without brackets. */
const BARE_V6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/**
 * Accepts `host:port`, `1.2.3.4:port` and `[v6addr]:port`; without a port (`host`, `1.2.3.4`,
 * `[v6addr]` or a bare IPv6 address) the server's default port, 7070.
 */
export function parseServerAddress(text: string): AddressParse {
  // Loaded by every command (sim's --server): a regex, not node:net.
  if (BARE_V6.test(text)) return { ok: true, address: { host: text, port: DEFAULT_PORT } };
  const m = BRACKETED.exec(text) ?? PLAIN.exec(text);
  if (!m || m[1] === undefined) {
    return { ok: false, problem: `${JSON.stringify(text)} is not host or host:port (IPv6 as [addr]:port)` };
  }
  if (m[2] === undefined) return { ok: true, address: { host: m[1], port: DEFAULT_PORT } };
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, problem: `port ${m[2]} in ${JSON.stringify(text)} is not 1-65535` };
  }
  return { ok: true, address: { host: m[1], port } };
}

export function formatServerAddress(address: ServerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
