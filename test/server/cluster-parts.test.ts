import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { supersedes } from '../../src/server/connection-claims.js';
import { ServerEvents, type PresenceChange } from '../../src/server/events.js';
import { RemotePresence } from '../../src/server/remote-presence.js';
import { realTimers } from '../../src/server/timers.js';
import { MemoryVoteStore } from '../../src/store/memory/memory-store.js';

describe('connection claims: which claim supersedes a held connection', () => {
  it.each([
    [{ epoch: 5, serverId: 'b' }, 4, 'a', true],
    [{ epoch: 4, serverId: 'b' }, 5, 'a', false],
    [{ epoch: 5, serverId: 'a' }, 5, 'a', false],
    // The same number under another server: a database crash lost the last claim and it was
    // handed out again; the other server's is the live one.
    [{ epoch: 5, serverId: 'b' }, 5, 'a', true],
  ])('claim %o against epoch %i held by %s: %s', (claim, epoch, serverId, expected) => {
    expect(supersedes({ kioskId: 'k', ...claim }, epoch, serverId)).toBe(expected);
  });
});

describe("remote presence: other servers' kiosks as presence events", () => {
  async function setup(local: Set<string> = new Set()) {
    const store = new MemoryVoteStore();
    let now = 1_000_000;
    for (const id of ['k1', 'k2', 'k3']) await store.addKiosk({ id, name: id, location: 'hall', secret: 's', createdAt: now });
    const events = new ServerEvents();
    const seen: PresenceChange[][] = [];
    events.on('presence-changed', ({ kiosks }) => seen.push([...kiosks]));
    const remote = new RemotePresence({
      store, events, timers: realTimers, log: pino({ level: 'silent' }), clock: () => now,
      intervalMs: 3_600_000, staleMs: 45_000, isLocal: (id) => local.has(id),
    });
    return { store, seen, remote, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('emits only what changed since the last read, and nothing at the first', async () => {
    const { store, seen, remote, now } = await setup();
    await store.updatePresence([{ kioskId: 'k1', lastSeenAt: now(), connected: true, connectedAt: now(), software: 'x/1', queued: 0 }]);
    await remote.start();
    expect(seen).toEqual([]);
    await store.updatePresence([{ kioskId: 'k2', lastSeenAt: now(), connected: true, connectedAt: now(), software: 'x/1', queued: 3 }]);
    await remote.check();
    expect(seen).toEqual([[expect.objectContaining({ kioskId: 'k2', connected: true, queued: 3 })]]);
    // lastSeen alone moving is not worth an event.
    await store.updatePresence([{ kioskId: 'k2', lastSeenAt: now() + 1_000 }]);
    await remote.check();
    expect(seen).toHaveLength(1);
    await remote.stop();
  });

  it("turns a crashed server's kiosks offline once they are not heard from (nobody writes them offline)", async () => {
    const { store, seen, remote, advance, now } = await setup();
    await store.updatePresence([{ kioskId: 'k1', lastSeenAt: now(), connected: true, connectedAt: now(), software: 'x/1', queued: 0 }]);
    await remote.start();
    advance(44_000);
    await remote.check();
    expect(seen).toEqual([]);
    advance(2_000);
    await remote.check();
    expect(seen).toEqual([[expect.objectContaining({ kioskId: 'k1', connected: false })]]);
    expect((await store.getKiosk('k1'))?.connected).toBe(true);
    await remote.check();
    expect(seen).toHaveLength(1);
    await remote.stop();
  });

  it("leaves the kiosks held by this server to its own presence tracker", async () => {
    const local = new Set(['k1']);
    const { store, seen, remote, now } = await setup(local);
    await remote.start();
    await store.updatePresence([{ kioskId: 'k1', lastSeenAt: now(), connected: true, connectedAt: now(), software: 'x/1', queued: 0 }]);
    await remote.check();
    expect(seen).toEqual([]);
    // Once another server holds it, its stored presence is told.
    local.delete('k1');
    await remote.check();
    expect(seen).toEqual([[expect.objectContaining({ kioskId: 'k1', connected: true })]]);
    await remote.stop();
  });
});
