import { afterEach, describe, expect, it } from 'vitest';
import { computeAuthMac } from '../../src/protocol/auth.js';
import { MAX_KIOSK_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { startFixture, type Fixture } from './helpers/fixture.js';

let f: Fixture;
afterEach(async () => {
  await f?.teardown();
});

describe('handshake', () => {
  it('hello -> challenge -> auth -> welcome carries the window, heartbeat and open poll', async () => {
    f = await startFixture();
    const k = f.connect();
    const challenge = await k.hello('k1');
    expect(challenge.v).toBe(PROTOCOL_VERSION);
    expect(challenge.nonce).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.serverTime).toBeGreaterThan(0);
    k.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', challenge.nonce) });
    const welcome = await k.expect('welcome');
    const open = await f.store.getOpenPoll();
    expect(welcome).toMatchObject({
      kioskId: 'k1',
      window: DEFAULT_LIMITS.window,
      heartbeatMs: DEFAULT_LIMITS.heartbeatMs,
      poll: { id: open!.id, question: 'Question?', options: ['yes', 'no'], openedAt: open!.openedAt },
    });
    expect(f.server.stats()).toMatchObject({ connections: 1, authenticated: 1 });
  });

  it('welcome carries poll null when no poll is open', async () => {
    f = await startFixture({ poll: null });
    const k = f.connect();
    const welcome = await k.handshake('k1', f.secrets.get('k1')!);
    expect(welcome.poll).toBeNull();
  });

  it('kiosk ids are case-sensitive: Hall-1 is not hall-1', async () => {
    f = await startFixture({ kiosks: ['hall-1'] });
    const k = f.connect();
    const challenge = await k.hello('Hall-1');
    k.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('hall-1')!, 'Hall-1', challenge.nonce) });
    await k.expectClosedWith('PV_AUTH_FAILED');
  });

  it('every connection gets a fresh nonce', async () => {
    f = await startFixture();
    const a = await f.connect().hello('k1');
    const b = await f.connect().hello('k1');
    expect(a.nonce).not.toBe(b.nonce);
  });

  it('refuses an unsupported protocol version', async () => {
    f = await startFixture();
    const k = f.connect();
    k.send({ type: 'hello', v: PROTOCOL_VERSION + 1, kioskId: 'k1', software: 'x' });
    await k.expectClosedWith('PV_UNSUPPORTED_VERSION');
  });

  it('answers PV_AUTH_FAILED for a wrong MAC and for an unknown kiosk alike', async () => {
    f = await startFixture();
    const wrong = f.connect();
    const c1 = await wrong.hello('k1');
    wrong.send({ type: 'auth', mac: computeAuthMac('not-the-secret', 'k1', c1.nonce) });
    await wrong.expectClosedWith('PV_AUTH_FAILED');

    const unknown = f.connect();
    const c2 = await unknown.hello('nobody');
    unknown.send({ type: 'auth', mac: computeAuthMac('whatever', 'nobody', c2.nonce) });
    const err = await unknown.expect('error');
    expect(err.code).toBe('PV_AUTH_FAILED');
    const wrongMessage = wrong.received.at(-1);
    expect(wrongMessage).toEqual(err); // same text too: nothing tells which ids exist
    await unknown.ended;
    expect(f.server.stats().authenticated).toBe(0);
  });

  it('a MAC computed for another nonce is refused (no replay)', async () => {
    f = await startFixture();
    const first = f.connect();
    const c1 = await first.hello('k1');
    const replayed = computeAuthMac(f.secrets.get('k1')!, 'k1', c1.nonce);
    const second = f.connect();
    await second.hello('k1');
    second.send({ type: 'auth', mac: replayed });
    await second.expectClosedWith('PV_AUTH_FAILED');
  });

  it('refuses a revoked kiosk with PV_KIOSK_REVOKED, but only after a correct MAC', async () => {
    f = await startFixture();
    await f.store.revokeKiosk('k1', Date.now());
    const good = f.connect();
    const c = await good.hello('k1');
    good.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', c.nonce) });
    await good.expectClosedWith('PV_KIOSK_REVOKED');

    const bad = f.connect();
    const c2 = await bad.hello('k1');
    bad.send({ type: 'auth', mac: computeAuthMac('wrong', 'k1', c2.nonce) });
    await bad.expectClosedWith('PV_AUTH_FAILED');
  });

  it('a store failure during auth closes that connection with PV_INTERNAL and logs err', async () => {
    f = await startFixture();
    f.store.getKiosk = () => Promise.reject(new Error('disk on fire'));
    const k = f.connect();
    const c = await k.hello('k1');
    k.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', c.nonce) });
    await k.expectClosedWith('PV_INTERNAL');
    const logged = f.lines.find((l) => (l.err as { message?: string } | undefined)?.message === 'disk on fire');
    expect(logged).toBeDefined();
    // The server still serves others.
    const other = f.connect();
    await expect(other.hello('k2')).resolves.toMatchObject({ type: 'challenge' });
  });
});

describe('messages out of order or malformed close that connection only', () => {
  it('vote before authentication -> PV_NOT_AUTHENTICATED', async () => {
    f = await startFixture();
    const k = f.connect();
    k.vote('v1', 1, 1, 1);
    await k.expectClosedWith('PV_NOT_AUTHENTICATED');
  });

  it('heartbeat after hello but before auth -> PV_NOT_AUTHENTICATED', async () => {
    f = await startFixture();
    const k = f.connect();
    await k.hello('k1');
    k.send({ type: 'heartbeat', queued: 0 });
    await k.expectClosedWith('PV_NOT_AUTHENTICATED');
  });

  it('auth before hello -> PV_UNEXPECTED_MESSAGE', async () => {
    f = await startFixture();
    const k = f.connect();
    k.send({ type: 'auth', mac: 'a'.repeat(64) });
    await k.expectClosedWith('PV_UNEXPECTED_MESSAGE');
  });

  it('a second hello -> PV_UNEXPECTED_MESSAGE', async () => {
    f = await startFixture();
    const k = f.connect();
    await k.hello('k1');
    k.send({ type: 'hello', v: PROTOCOL_VERSION, kioskId: 'k1', software: 'x' });
    await k.expectClosedWith('PV_UNEXPECTED_MESSAGE');
  });

  it('hello after welcome -> PV_UNEXPECTED_MESSAGE', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    k.send({ type: 'hello', v: PROTOCOL_VERSION, kioskId: 'k1', software: 'x' });
    await k.expectClosedWith('PV_UNEXPECTED_MESSAGE');
  });

  it('unknown type -> PV_UNKNOWN_TYPE', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    k.send({ type: 'subscribe', topic: '#' });
    await k.expectClosedWith('PV_UNKNOWN_TYPE');
  });

  it('invalid JSON -> PV_BAD_JSON', async () => {
    f = await startFixture();
    const k = f.connect();
    k.sendRaw('{"type":"hello",\n');
    await k.expectClosedWith('PV_BAD_JSON');
  });

  it('a JSON array is not a message -> PV_BAD_JSON', async () => {
    f = await startFixture();
    const k = f.connect();
    k.sendRaw('[1,2]\n');
    await k.expectClosedWith('PV_BAD_JSON');
  });

  it('a field of the wrong type -> PV_BAD_MESSAGE', async () => {
    f = await startFixture();
    const k = await f.kiosk('k1');
    k.send({ type: 'vote', voteId: 'v1', seq: 'one', pollId: 1, button: 1, ageMs: 0 });
    await k.expectClosedWith('PV_BAD_MESSAGE');
  });

  it('a frame over the limit -> PV_FRAME_TOO_LARGE before the newline arrives', async () => {
    f = await startFixture();
    const k = f.connect();
    k.sendRaw(`{"type":"hello","pad":"${'x'.repeat(MAX_KIOSK_FRAME_BYTES)}`); // no newline
    await k.expectClosedWith('PV_FRAME_TOO_LARGE');
  });

  it('the frames before a bad one in the same chunk are still handled', async () => {
    f = await startFixture();
    const k = f.connect();
    k.sendRaw(`${JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, kioskId: 'k1', software: 'x' })}\nnot json\n`);
    await k.expect('challenge');
    await k.expectClosedWith('PV_BAD_JSON');
  });

  it('blank lines are ignored', async () => {
    f = await startFixture();
    const k = f.connect();
    k.sendRaw('\n\r\n  \n');
    await expect(k.hello('k1')).resolves.toMatchObject({ type: 'challenge' });
  });

  it('one connection failing leaves another working', async () => {
    f = await startFixture();
    const good = await f.kiosk('k1');
    const bad = f.connect();
    bad.sendRaw('garbage\n');
    await bad.expectClosedWith('PV_BAD_JSON');
    good.send({ type: 'heartbeat', queued: 0 });
    await good.expect('heartbeat_ack');
  });
});
