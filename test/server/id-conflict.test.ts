import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ID_CONFLICT, IdConflictDetector } from '../../src/server/id-conflict.js';
import type { IdConflict } from '../../src/server/id-conflict.js';
import { duplexPair } from './helpers/duplex-pair.js';
import { LEVEL, startFixture, type Fixture } from './helpers/fixture.js';
import { TestKiosk } from './helpers/test-kiosk.js';
import { computeAuthMac } from '../../src/protocol/auth.js';

describe('IdConflictDetector (pure)', () => {
  it('flags one id authenticated alternately from two addresses 4 times within a minute, once', () => {
    const d = new IdConflictDetector();
    const seq = ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2'];
    seq.forEach((address, i) => expect(d.authenticated('hall-1', address, i * 1000)).toEqual({ conflict: false }));
    expect(d.authenticated('hall-1', '10.0.0.1', 4000)).toEqual({ conflict: true, detected: true, addresses: ['10.0.0.1', '10.0.0.2'] });
    // While it lasts, both devices are refused, and it is not "detected" again (logged once).
    expect(d.authenticated('hall-1', '10.0.0.2', 60_000)).toEqual({ conflict: true, detected: false, addresses: ['10.0.0.1', '10.0.0.2'] });
    expect(d.authenticated('hall-1', '10.0.0.1', 200_000)).toMatchObject({ conflict: true, detected: false });
    expect(d.inConflict('hall-1', 200_000)).toBe(true);
  });

  it('never flags a kiosk reconnecting from one address, however often', () => {
    const d = new IdConflictDetector();
    for (let i = 0; i < 1000; i++) expect(d.authenticated('hall-1', '10.0.0.1', i * 10).conflict).toBe(false);
  });

  it('does not flag a kiosk that moves address a few times (DHCP lease, Ethernet to Wi-Fi and back)', () => {
    const d = new IdConflictDetector();
    const moves = ['10.0.0.1', '10.0.0.1', '10.0.0.7', '10.0.0.7', '192.168.1.4', '10.0.0.7'];
    moves.forEach((a, i) => expect(d.authenticated('hall-1', a, i * 5000).conflict).toBe(false));
  });

  it('does not flag switches spread over more than the window', () => {
    const d = new IdConflictDetector();
    for (let i = 0; i < 20; i++) {
      expect(d.authenticated('hall-1', i % 2 === 0 ? 'a' : 'b', i * (DEFAULT_ID_CONFLICT.windowMs / 3)).conflict).toBe(false);
    }
  });

  it('keeps kiosk ids apart and ignores connections without an address', () => {
    const d = new IdConflictDetector({ switches: 1 });
    expect(d.authenticated('k1', 'a', 0).conflict).toBe(false);
    expect(d.authenticated('k2', 'b', 1).conflict).toBe(false);
    expect(d.authenticated('k1', null, 2).conflict).toBe(false);
    expect(d.authenticated('k1', 'a', 3).conflict).toBe(false);
    expect(d.authenticated('k1', 'c', 4)).toMatchObject({ conflict: true, detected: true, addresses: ['a', 'c'] });
  });

  it('lets the remaining device in once the other has been quiet for the hold time, and can flag again later', () => {
    const d = new IdConflictDetector({ switches: 2, windowMs: 1000, holdMs: 10_000 });
    d.authenticated('k', 'a', 0);
    d.authenticated('k', 'b', 1);
    expect(d.authenticated('k', 'a', 2)).toMatchObject({ conflict: true, detected: true });
    expect(d.authenticated('k', 'a', 9_000)).toMatchObject({ conflict: true, detected: false }); // b seen 9 s ago
    // b (the clone) was re-provisioned: a alone is let in after the hold.
    expect(d.authenticated('k', 'a', 10_002)).toEqual({ conflict: false });
    expect(d.inConflict('k', 10_002)).toBe(false);
    d.authenticated('k', 'b', 10_003);
    expect(d.authenticated('k', 'a', 10_004)).toMatchObject({ conflict: true, detected: true });
  });

  it('forgets quiet ids, so its memory follows recent activity, not the fleet history', () => {
    const d = new IdConflictDetector({ windowMs: 1000, holdMs: 5000 });
    for (let i = 0; i < 500; i++) d.authenticated(`k${i}`, 'a', i);
    expect(d.size).toBe(500);
    d.authenticated('late', 'a', 10_000);
    expect(d.size).toBe(1);
  });
});

describe('server: two devices with one kiosk id', () => {
  let f: Fixture | undefined;
  const open: TestKiosk[] = [];

  function connectFrom(fixture: Fixture, address: string): TestKiosk {
    const [serverEnd, kioskEnd] = duplexPair();
    fixture.server.handleConnection(serverEnd, { remote: `${address}:5000`, address });
    const k = new TestKiosk(kioskEnd);
    open.push(k);
    return k;
  }

  it('refuses both with PV_KIOSK_ID_CONFLICT instead of flapping, logs one warning with both addresses, calls onIdConflict once', async () => {
    const conflicts: IdConflict[] = [];
    f = await startFixture({ kiosks: ['hall-1'], onIdConflict: (c) => conflicts.push(c) });
    const secret = f.secrets.get('hall-1')!;
    const devices = ['10.0.0.21', '10.0.0.22'];
    let live: TestKiosk | undefined;
    // Each authentication replaces the other device, as two clones reconnecting at once do.
    for (let i = 0; i < DEFAULT_ID_CONFLICT.switches; i++) {
      const k = connectFrom(f, devices[i % 2]!);
      await k.handshake('hall-1', secret);
      if (live) await live.expectClosedWith('PV_REPLACED');
      live = k;
    }
    const last = connectFrom(f, devices[DEFAULT_ID_CONFLICT.switches % 2]!);
    const challenge = await last.hello('hall-1');
    last.send({ type: 'auth', mac: computeAuthMac(secret, 'hall-1', challenge.nonce) });
    await last.expectClosedWith('PV_KIOSK_ID_CONFLICT');
    await live!.expectClosedWith('PV_KIOSK_ID_CONFLICT');
    expect(f.server.stats().authenticated).toBe(0);

    // Both keep being refused while the other is around; no second warning, no second report.
    for (const address of devices) {
      const again = connectFrom(f, address);
      const c = await again.hello('hall-1');
      again.send({ type: 'auth', mac: computeAuthMac(secret, 'hall-1', c.nonce) });
      await again.expectClosedWith('PV_KIOSK_ID_CONFLICT');
    }
    const warnings = f.lines.filter((l) => l.level === LEVEL.warn && /one kiosk id/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kioskId: 'hall-1', addresses: devices });
    expect(conflicts).toEqual([{ kioskId: 'hall-1', addresses: devices, at: expect.any(Number) }]);
    // Before the detection the devices replaced each other once per switch, and never after.
    const replaced = f.lines.filter((l) => l.code === 'PV_REPLACED');
    expect(replaced).toHaveLength(DEFAULT_ID_CONFLICT.switches - 1);
    // The fleet list (the store) and the dashboard (an event) learn of it.
    await f.server.presence.flush();
    expect((await f.store.getKiosk('hall-1'))?.idConflict).toEqual({ at: expect.any(Number), addresses: devices });
  });

  it('tells presence listeners (the dashboard) of a conflict', async () => {
    f = await startFixture({ kiosks: ['hall-1'] });
    const seen: unknown[] = [];
    f.server.events.on('presence-changed', ({ kiosks }) => seen.push(...kiosks.filter((k) => k.idConflict !== null)));
    const secret = f.secrets.get('hall-1')!;
    for (let i = 0; i <= DEFAULT_ID_CONFLICT.switches; i++) {
      const k = connectFrom(f, i % 2 ? '10.0.0.2' : '10.0.0.1');
      const c = await k.hello('hall-1');
      k.send({ type: 'auth', mac: computeAuthMac(secret, 'hall-1', c.nonce) });
      await k.next();
    }
    expect(seen).toEqual([expect.objectContaining({ kioskId: 'hall-1', idConflict: { at: expect.any(Number), addresses: ['10.0.0.1', '10.0.0.2'] } })]);
  });

  it('keeps the button count a kiosk reports in hello on its session (null when it does not say)', async () => {
    f = await startFixture({ kiosks: ['k1', 'k2'] });
    const withButtons = f.connect();
    withButtons.send({ type: 'hello', v: 1, kioskId: 'k1', software: 'test/1', buttons: 4 });
    const c = await withButtons.expect('challenge');
    withButtons.send({ type: 'auth', mac: computeAuthMac(f.secrets.get('k1')!, 'k1', c.nonce) });
    await withButtons.expect('welcome');
    await f.kiosk('k2'); // an older kiosk: no buttons field
    const authenticated = f.lines.filter((l) => l.msg === 'kiosk authenticated');
    expect(authenticated.map((l) => [l.kioskId, l.buttons])).toEqual([['k1', 4], ['k2', null]]);
    await f.server.presence.flush();
    expect((await f.store.getKiosk('k1'))?.buttons).toBe(4);
    expect((await f.store.getKiosk('k2'))?.buttons).toBeNull();
  });

  afterEach(async () => {
    for (const k of open.splice(0)) k.close();
    await f?.teardown();
    f = undefined;
  });
});
