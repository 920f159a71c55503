import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeAuthMac } from '../../src/protocol/auth.js';
import type { ErrorCode } from '../../src/protocol/errors.js';
import { runPivote, startServerProcess, type ServerProcess } from '../hostile/helpers/server-process.js';
import { readVotes, Scratch, seedDb, type Seeded } from '../hostile/helpers/seed.js';
import { connectPeer } from '../hostile/helpers/tcp-peer.js';
import { until, type WirePeer } from '../hostile/helpers/wire-peer.js';

/**
 * Every authentication outcome of docs/PROTOCOL.md ("Authentication"), over real TCP against a
 * real `pivote server` process, with revocation done by the `pivote fleet revoke` command from
 * another process, as an organiser would.
 */

const AUTH_TIMEOUT_MS = 1_500;
const KIOSKS = ['a-wrong', 'a-ok', 'a-revoked-before', 'a-revoked-live', 'a-replay', 'a-twice', 'a-timeout'];

let scratch: Scratch;
let seeded: Seeded;
let server: ServerProcess;
const peers: WirePeer[] = [];

beforeAll(async () => {
  scratch = new Scratch();
  seeded = await seedDb(scratch.dbPath, KIOSKS);
  server = await startServerProcess({ dbPath: scratch.dbPath, args: ['--auth-timeout-ms', String(AUTH_TIMEOUT_MS)] });
}, 60_000);

afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

afterAll(async () => {
  server?.kill();
  scratch?.remove();
});

async function connect(): Promise<WirePeer> {
  const p = await connectPeer(server.port);
  peers.push(p);
  return p;
}

const secret = (id: string) => seeded.secrets.get(id)!;

/** The connection got exactly one `error` with this code, nothing after it, and was closed. */
async function expectClosedWith(p: WirePeer, code: ErrorCode, wasWelcomed = false): Promise<void> {
  await until(() => p.isEnded, `close with ${code}`, 5_000);
  expect(p.errors.map((e) => e.code)).toEqual([code]);
  expect(p.received.at(-1)?.type).toBe('error');
  expect(p.of('welcome').length > 0).toBe(wasWelcomed);
}

function vote(kiosk: WirePeer) {
  const v = { type: 'vote', voteId: randomUUID(), seq: 1, pollId: seeded.poll!.id, button: 1, ageMs: 0 };
  kiosk.send(v);
  return v.voteId;
}

describe('authentication outcomes (real server, real TCP)', () => {
  it('a wrong secret: PV_AUTH_FAILED, closed', async () => {
    const p = await connect();
    const nonce = await p.hello('a-wrong');
    p.send({ type: 'auth', mac: computeAuthMac('not-the-secret', 'a-wrong', nonce) });
    await expectClosedWith(p, 'PV_AUTH_FAILED');
  });

  it('an unknown kiosk: PV_AUTH_FAILED with the same message, so ids cannot be probed', async () => {
    const wrong = await connect();
    wrong.send({ type: 'auth', mac: computeAuthMac('x', 'a-wrong', await wrong.hello('a-wrong')) });
    await expectClosedWith(wrong, 'PV_AUTH_FAILED');
    const unknown = await connect();
    unknown.send({ type: 'auth', mac: computeAuthMac('x', 'nobody-here', await unknown.hello('nobody-here')) });
    await expectClosedWith(unknown, 'PV_AUTH_FAILED');
    expect(unknown.errors[0]).toEqual(wrong.errors[0]);
  });

  it('a revoked kiosk connecting: PV_KIOSK_REVOKED; with a wrong secret it learns only PV_AUTH_FAILED', async () => {
    const r = await runPivote(['fleet', 'revoke', 'a-revoked-before', '--db', scratch.dbPath]);
    expect(r.code, r.stderr).toBe(0);
    const p = await connect();
    p.send({ type: 'auth', mac: computeAuthMac(secret('a-revoked-before'), 'a-revoked-before', await p.hello('a-revoked-before')) });
    await expectClosedWith(p, 'PV_KIOSK_REVOKED');
    const guess = await connect();
    guess.send({ type: 'auth', mac: computeAuthMac('guess', 'a-revoked-before', await guess.hello('a-revoked-before')) });
    await expectClosedWith(guess, 'PV_AUTH_FAILED');
  });

  it('a kiosk revoked while connected: PV_KIOSK_REVOKED within about a second, and nothing it sends after counts', async () => {
    const p = await connect();
    await p.handshake('a-revoked-live', secret('a-revoked-live'));
    const before = vote(p);
    await until(() => p.of('ack').some((a) => a.voteId === before), 'ack before revocation');
    const r = await runPivote(['fleet', 'revoke', 'a-revoked-live', '--db', scratch.dbPath]);
    expect(r.code, r.stderr).toBe(0);
    const revokedAt = performance.now();
    await until(() => p.isEnded, 'drop after revocation', 5_000);
    expect(performance.now() - revokedAt).toBeLessThan(2_500);
    expect(p.errors.map((e) => e.code)).toEqual(['PV_KIOSK_REVOKED']);
    const stored = (await readVotes(scratch.dbPath)).filter((v) => v.kioskId === 'a-revoked-live');
    expect(stored.map((v) => v.voteId)).toEqual([before]);
  });

  it('a replayed handshake: an auth frame recorded on one connection fails on another (PV_AUTH_FAILED)', async () => {
    const original = await connect();
    const nonce = await original.hello('a-replay');
    const recordedAuth = { type: 'auth', mac: computeAuthMac(secret('a-replay'), 'a-replay', nonce) };
    original.send(recordedAuth);
    await until(() => original.of('welcome').length > 0, 'original welcomed');

    // Replayed after a fresh hello ...
    const replay = await connect();
    await replay.hello('a-replay');
    replay.send(recordedAuth);
    await expectClosedWith(replay, 'PV_AUTH_FAILED');
    // ... and the whole recorded handshake replayed byte for byte, without waiting for a challenge.
    const blind = await connect();
    blind.write(JSON.stringify({ type: 'hello', v: 1, kioskId: 'a-replay', software: 'fuzz/1' }) + '\n' + JSON.stringify(recordedAuth) + '\n');
    await expectClosedWith(blind, 'PV_AUTH_FAILED');

    // The failed replays did not displace the real kiosk.
    const v = vote(original);
    await until(() => original.of('ack').some((a) => a.voteId === v), 'original still voting');
    expect(original.isEnded).toBe(false);
  });

  it('a second connection with the same kiosk id: the new one wins, the old one gets PV_REPLACED', async () => {
    const first = await connect();
    await first.handshake('a-twice', secret('a-twice'));
    const second = await connect();
    await second.handshake('a-twice', secret('a-twice'));
    await expectClosedWith(first, 'PV_REPLACED', true);
    const v = vote(second);
    await until(() => second.of('ack').some((a) => a.voteId === v), 'the new connection votes');
  });

  it('no authentication within the deadline: PV_AUTH_TIMEOUT', async () => {
    const p = await connect();
    await p.hello('a-timeout');
    const started = performance.now();
    await expectClosedWith(p, 'PV_AUTH_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(AUTH_TIMEOUT_MS + 1_000);
  });

  it('each outcome tested here is the one docs/PROTOCOL.md documents', () => {
    const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Authentication'), doc.indexOf('## Votes, acknowledgements'));
    const rows: [RegExp, ErrorCode][] = [
      [/unknown kiosk id, or wrong MAC.*`PV_AUTH_FAILED`/, 'PV_AUTH_FAILED'],
      [/revoked by `pivote fleet revoke`.*`PV_KIOSK_REVOKED`/, 'PV_KIOSK_REVOKED'],
      [/replayed on another connection.*`PV_AUTH_FAILED`/, 'PV_AUTH_FAILED'],
      [/no `welcome` within.*`PV_AUTH_TIMEOUT`/, 'PV_AUTH_TIMEOUT'],
      [/same kiosk id.*old one gets `error` `PV_REPLACED`/, 'PV_REPLACED'],
      [/connected kiosk is revoked.*`PV_KIOSK_REVOKED`/, 'PV_KIOSK_REVOKED'],
    ];
    for (const [row, code] of rows) expect(section, code).toMatch(row);
  });

  it('the server came through all of it and stops cleanly', async () => {
    expect(server.alive).toBe(true);
    expect(server.notable.filter((l) => l.level >= 50)).toEqual([]);
    expect(await server.stop()).toBe(0);
  });
});
