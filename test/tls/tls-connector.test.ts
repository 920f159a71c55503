import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPivoteError, PivoteError } from '../../src/protocol/errors.js';
import { connectorForConfig } from '../../src/kiosk/transport/connectors.js';
import { checkServerCertificate, loadTlsConnector, tlsConnector, type TlsConnectorOptions } from '../../src/kiosk/transport/tls-connector.js';
import { duplexPair } from '../server/helpers/duplex-pair.js';
import { makeTestCerts, type CertFiles, type TestCerts } from './helpers/certs.js';

/**
 * The kiosk's TLS connector against an in-process TLS server that records every application byte
 * it receives: a refused server must get none (the kiosk writes `hello` the moment it has a
 * stream), a trusted one must get them all.
 */

let certs: TestCerts;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(() => {
  certs = makeTestCerts(mkdtempSync(join(tmpdir(), 'pivote-tls-')));
});
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface RecordingServer {
  port: number;
  /** Decrypted bytes received from all clients. */
  received(): string;
  /** Resolves once every accepted connection has closed. */
  settled(): Promise<void>;
}

async function tlsServer(files: CertFiles): Promise<RecordingServer> {
  let received = '';
  const open = new Set<tls.TLSSocket>();
  const closed: Promise<void>[] = [];
  const server = tls.createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (socket) => {
    open.add(socket);
    closed.push(new Promise((r) => socket.on('close', () => r())));
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      socket.write('pong\n');
    });
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received: () => received, settled: async () => void (await Promise.all(closed)) };
}

interface Outcome {
  error: Error | undefined;
  data: string;
}

/** Connects, writes at once (as KioskClient does), and reports how the stream ended. */
function attempt(options: TlsConnectorOptions, port: number, host = '127.0.0.1'): Promise<Outcome> {
  const stream: Duplex = tlsConnector(options)({ host, port });
  stream.write('{"type":"hello"}\n');
  return new Promise((resolve) => {
    let data = '';
    let error: Error | undefined;
    stream.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('pong')) stream.destroy();
    });
    stream.on('error', (err) => (error = err));
    stream.on('close', () => resolve({ error, data }));
  });
}

function expectUntrusted(o: Outcome, reason?: RegExp): void {
  expect(isPivoteError(o.error, 'PV_TLS_UNTRUSTED'), String(o.error)).toBe(true);
  if (reason) expect(o.error!.message).toMatch(reason);
  expect(o.data).toBe('');
}

describe('tlsConnector', () => {
  it('trusts a server whose certificate chains to the configured CA and names the address', async () => {
    const s = await tlsServer(certs.server);
    const o = await attempt({ ca: readFileSync(certs.ca.cert) }, s.port);
    expect(o.error).toBeUndefined();
    expect(o.data).toBe('pong\n');
    await s.settled();
    expect(s.received()).toBe('{"type":"hello"}\n');
  });

  it('checks the host name too: localhost is in the certificate', async () => {
    const s = await tlsServer(certs.server);
    const o = await attempt({ ca: readFileSync(certs.ca.cert) }, s.port, 'localhost');
    expect(o.error).toBeUndefined();
    expect(o.data).toBe('pong\n');
  });

  it.each([
    ['a certificate from another CA', () => ({ ca: readFileSync(certs.otherCa.cert) }), () => certs.server, /not signed by the configured CA|chains to a CA/],
    ['a certificate for another host name', () => ({ ca: readFileSync(certs.ca.cert) }), () => certs.wrongHost, /does not name.*ERR_TLS_CERT_ALTNAME_INVALID/],
    ['a self-signed certificate (system CAs)', () => ({}), () => certs.selfSigned, /self-signed/],
    ['the wrong pinned fingerprint', () => ({ fingerprint: certs.serverFingerprint }), () => certs.selfSigned, /not the pinned/],
    ['a pinned fingerprint with the CA check failing', () => ({ ca: readFileSync(certs.otherCa.cert), fingerprint: certs.serverFingerprint }), () => certs.server, /not trusted/],
  ])('refuses %s before sending a single byte', async (_name, options, files, reason) => {
    const s = await tlsServer(files());
    const o = await attempt(options(), s.port);
    expectUntrusted(o, reason);
    await s.settled();
    expect(s.received()).toBe('');
  });

  it('accepts exactly the pinned certificate, written with or without colons, in any case', async () => {
    const s = await tlsServer(certs.selfSigned);
    for (const fingerprint of [certs.selfSignedFingerprint, certs.selfSignedFingerprint.replaceAll(':', '').toLowerCase()]) {
      const o = await attempt({ fingerprint }, s.port);
      expect(o.error).toBeUndefined();
      expect(o.data).toBe('pong\n');
    }
  });

  it('accepts CA and pin together when both hold', async () => {
    const s = await tlsServer(certs.server);
    const o = await attempt({ ca: readFileSync(certs.ca.cert), fingerprint: certs.serverFingerprint }, s.port);
    expect(o.error).toBeUndefined();
  });

  it('calls a plaintext server a TLS failure (PV_TLS_UNTRUSTED), and a refused connection a network error', async () => {
    const plain = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.resume(); // read the ClientHello, so the client's close is seen
      socket.end('{"type":"error","code":"PV_BAD_JSON","message":"frame is not valid JSON"}\n');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => plain.close(() => r())));
    const o = await attempt({ ca: readFileSync(certs.ca.cert) }, (plain.address() as net.AddressInfo).port);
    expectUntrusted(o, /handshake/);

    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await attempt({ ca: readFileSync(certs.ca.cert) }, port);
    expect((refused.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
  });

  it('carries a large write through with backpressure, in order', async () => {
    const s = await tlsServer(certs.server);
    const stream = tlsConnector({ ca: readFileSync(certs.ca.cert) })({ host: '127.0.0.1', port: s.port });
    const line = 'x'.repeat(1000) + '\n';
    for (let i = 0; i < 2000; i++) stream.write(line);
    stream.end();
    stream.on('data', () => {});
    await new Promise<void>((r) => stream.on('close', () => r()));
    await s.settled();
    expect(s.received()).toBe(line.repeat(2000));
  });
});

describe('tlsConnector with a scripted TLS socket', () => {
  /** A socket whose handshake the test completes by emitting 'secureConnect' with chosen facts. */
  function scripted(facts: { authorized: boolean; fingerprint256: string }) {
    const [socketEnd, serverEnd] = duplexPair();
    const fake = Object.assign(socketEnd, {
      authorized: facts.authorized,
      authorizationError: facts.authorized ? null : 'DEPTH_ZERO_SELF_SIGNED_CERT',
      getPeerCertificate: () => ({ fingerprint256: facts.fingerprint256 }),
      setNoDelay: () => fake,
      setKeepAlive: () => fake,
    });
    let atServer = '';
    serverEnd.on('data', (d: Buffer) => (atServer += d.toString()));
    serverEnd.on('error', () => {});
    const stream = tlsConnector({ fingerprint: 'ab'.repeat(32), connect: () => fake as unknown as tls.TLSSocket })({ host: '127.0.0.1', port: 1 });
    let atKiosk = '';
    stream.on('data', (d: Buffer) => (atKiosk += d.toString()));
    const errors: Error[] = [];
    stream.on('error', (e) => errors.push(e));
    return { fake, serverEnd, stream, errors, atServer: () => atServer, atKiosk: () => atKiosk };
  }
  const turn = () => new Promise<void>((r) => setImmediate(r));

  it('passes nothing either way before the check, and nothing ever when it fails', async () => {
    const t = scripted({ authorized: false, fingerprint256: 'CD:'.repeat(31) + 'CD' });
    t.stream.write('{"type":"hello"}\n');
    t.serverEnd.write('{"type":"challenge"}\n');
    await turn();
    expect(t.atServer()).toBe('');
    expect(t.atKiosk()).toBe('');
    t.fake.emit('secureConnect');
    await turn();
    expect(t.atServer()).toBe('');
    expect(t.atKiosk()).toBe('');
    expect(t.errors.map((e) => (e as PivoteError).code)).toEqual(['PV_TLS_UNTRUSTED']);
    expect(t.fake.destroyed).toBe(true);
  });

  it('hands the stream over once the pinned certificate is seen', async () => {
    const t = scripted({ authorized: false, fingerprint256: 'AB:'.repeat(31) + 'AB' });
    t.stream.write('{"type":"hello"}\n');
    t.serverEnd.write('{"type":"challenge"}\n');
    await turn();
    expect(t.atServer()).toBe('');
    t.fake.emit('secureConnect');
    await turn();
    expect(t.atServer()).toBe('{"type":"hello"}\n');
    expect(t.atKiosk()).toBe('{"type":"challenge"}\n');
    expect(t.errors).toEqual([]);
    t.stream.destroy();
  });
});

describe('checkServerCertificate (pure)', () => {
  const fp = 'AB:'.repeat(31) + 'AB';
  it.each([
    [{ authorized: true, authorizationError: undefined, fingerprint256: fp }, {}, null],
    [{ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', fingerprint256: fp }, {}, /expired/],
    [{ authorized: false, authorizationError: 'CERT_NOT_YET_VALID', fingerprint256: fp }, { ca: 'x' }, /clock/],
    [{ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', fingerprint256: fp }, { fingerprint: 'ab'.repeat(32) }, null],
    [{ authorized: true, authorizationError: undefined, fingerprint256: undefined }, { fingerprint: 'ab'.repeat(32) }, /\(none\)/],
    [{ authorized: true, authorizationError: undefined, fingerprint256: fp }, { fingerprint: 'cd'.repeat(32) }, /not the pinned/],
  ])('%j with %j -> %s', (peer, trust, expected) => {
    const r = checkServerCertificate(peer, trust, '127.0.0.1:7070');
    if (expected === null) expect(r).toBeNull();
    else {
      expect(r).toBeInstanceOf(PivoteError);
      expect(r!.code).toBe('PV_TLS_UNTRUSTED');
      expect(r!.message).toMatch(expected);
      expect(r!.message).toContain('127.0.0.1:7070');
    }
  });
});

describe('connector from the kiosk config', () => {
  it('refuses a missing or non-PEM CA file at startup with PV_TLS_CONFIG', () => {
    const notPem = join(certs.dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello');
    for (const ca of [join(certs.dir, 'missing.pem'), notPem]) {
      let caught: unknown;
      try {
        loadTlsConnector({ ca });
      } catch (err) {
        caught = err;
      }
      expect(isPivoteError(caught, 'PV_TLS_CONFIG'), String(caught)).toBe(true);
      expect((caught as PivoteError).details).toMatchObject({ key: 'tls.ca', path: ca });
    }
  });

  it('gives TLS for a config with a tls section and plain TCP without', async () => {
    const s = await tlsServer(certs.server);
    const stream = connectorForConfig({ tls: { ca: certs.ca.cert } })({ host: '127.0.0.1', port: s.port });
    stream.write('{"type":"hello"}\n');
    await new Promise<void>((resolve) => stream.on('data', () => resolve()));
    stream.destroy();
    await s.settled();
    expect(s.received()).toBe('{"type":"hello"}\n');
    const plain = connectorForConfig({ tls: undefined })({ host: '127.0.0.1', port: s.port });
    expect(plain).toBeInstanceOf(net.Socket);
    expect(plain).not.toBeInstanceOf(tls.TLSSocket);
    plain.on('error', () => {});
    plain.destroy();
  });
});
