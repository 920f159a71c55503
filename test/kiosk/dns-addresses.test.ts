import { connect, createServer, type AddressInfo, type LookupFunction, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { tcpConnector } from '../../src/kiosk/transport/connectors.js';

/**
 * One DNS name with several A records (docs/SCALING.md, "Deployment patterns"): the kiosk's TCP
 * connector hands the name to Node, which resolves every address and tries them in turn (its
 * "happy eyeballs" connect, on by default in Node 20): an address that refuses is left at once,
 * one that does not answer after 250 ms. The resolver is replaced here by one that answers two A
 * records, the first a loopback address where nothing listens; the tests bind only 127.0.0.1.
 */

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(): Promise<number> {
  const srv = createServer((socket) => socket.end('hello from 127.0.0.1\n'));
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return (srv.address() as AddressInfo).port;
}

/** A resolver for `pivote.example` with these A records, in this order. */
function records(...addresses: string[]): LookupFunction {
  return (hostname, options, callback) => {
    expect(hostname).toBe('pivote.example');
    const all = addresses.map((address) => ({ address, family: 4 }));
    if ((options as { all?: boolean }).all) (callback as (e: null, a: typeof all) => void)(null, all);
    else callback(null, all[0]!.address, 4);
  };
}

function firstLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.once('end', () => resolve(text.trim()));
    socket.once('error', reject);
  });
}

it('a name whose first A record refuses: the kiosk connects to the next one', async () => {
  const port = await listen();
  const open = tcpConnector({ connect: (o) => connect({ ...o, lookup: records('127.0.0.2', '127.0.0.1') }) });
  const socket = open({ host: 'pivote.example', port }) as Socket;
  expect(await firstLine(socket)).toBe('hello from 127.0.0.1');
  expect(socket.remoteAddress ?? '127.0.0.1').toBe('127.0.0.1');
});

it('a name whose every A record refuses: the attempt fails (the kiosk then backs off and tries again)', async () => {
  const port = await listen();
  await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
  const open = tcpConnector({ connect: (o) => connect({ ...o, lookup: records('127.0.0.2', '127.0.0.1') }) });
  const socket = open({ host: 'pivote.example', port }) as Socket;
  await expect(firstLine(socket)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ETIMEDOUT/) });
});
