import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openPostgresVoteStore, type PostgresVoteStore } from '../../../src/store/postgres/postgres-store.js';
import type { StoreChange } from '../../../src/store/types.js';
import { describePg, type TestDatabase } from '../../support/postgres/test-db.js';
import { NO_BURST, T0, expectCode, newKiosk, newVote } from '../contract-helpers.js';

const WAIT = { timeout: 10_000, interval: 20 };

/**
 * Change notification and fencing: server A watches, server B (another store, another pool)
 * changes things. Every test has a database of its own: NOTIFY is per database.
 */
describePg('postgres store: changes and claims across servers', (pgc) => {
  let db: TestDatabase;
  let watcher: PostgresVoteStore;
  let writer: PostgresVoteStore;
  let seen: StoreChange[];
  let stopWatching: (() => Promise<void>) | undefined;
  const committed = (): StoreChange[] => seen.filter((c) => c.kind !== 'listening' && c.kind !== 'listener-lost');

  beforeEach(async () => {
    db = await pgc.create();
    watcher = await openPostgresVoteStore(db.url, { listenBackoff: { minMs: 20, maxMs: 200 } });
    writer = await openPostgresVoteStore(db.url);
    seen = [];
    stopWatching = await watcher.watchChanges((c) => seen.push(c));
  });
  afterEach(async () => {
    await stopWatching?.();
    await watcher.close();
    await writer.close();
    await db.drop();
  });

  it('reports listening once the first LISTEN is active', () => {
    expect(seen).toEqual([{ kind: 'listening', reconnected: false }]);
  });

  it('announces kiosks, polls and stored votes committed by another server', async () => {
    await writer.addKiosk(newKiosk('k1'));
    await writer.addKiosk(newKiosk('k2'));
    const poll = await writer.openPoll('Q', ['x', 'y'], T0);
    await writer.recordVotes(
      [newVote('k1', 'a', { pollId: poll.id }), newVote('k1', 'b', { pollId: poll.id, seq: 2, pressedAt: T0 + 1 }), newVote('k2', 'a', { pollId: poll.id })],
      { windowMs: 1_000, maxVotes: 1 },
    );
    // A batch of nothing but duplicates stores nothing and announces nothing.
    await writer.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    await writer.revokeKiosk('k2', T0 + 2);
    await writer.closePoll(T0 + 3);
    await vi.waitFor(() => expect(committed()).toHaveLength(6), WAIT);
    // Kiosk and poll changes arrive in commit order (their NOTIFY is part of the transaction).
    expect(committed().filter((c) => c.kind !== 'votes')).toEqual([
      { kind: 'kiosks', kioskIds: ['k1'], change: 'added' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'added' },
      { kind: 'poll', pollId: poll.id, change: 'opened' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'revoked' },
      { kind: 'poll', pollId: poll.id, change: 'closed' },
    ]);
    // Votes are announced just after their commit, once per batch that stored something.
    expect(committed().filter((c) => c.kind === 'votes')).toEqual([{ kind: 'votes', polls: [{ pollId: poll.id, stored: 3, flagged: 1 }] }]);
  });

  it('adds up votes committed in quick succession into one notice, and close() still sends the last one', async () => {
    await writer.addKiosk(newKiosk('k1'));
    const poll = await writer.openPoll('Q', ['x', 'y'], T0);
    const other = await openPostgresVoteStore(db.url, { votesNoticeMs: 60_000 });
    await other.recordVotes([newVote('k1', 'a', { pollId: poll.id })], NO_BURST);
    await other.recordVotes([newVote('k1', 'b', { pollId: poll.id, seq: 2, pressedAt: T0 + 20_000 })], NO_BURST);
    await other.recordVotes([newVote('k1', 'c', { pollId: poll.id, seq: 3, pressedAt: T0 + 40_000 })], NO_BURST);
    await other.close();
    await vi.waitFor(() => expect(committed().filter((c) => c.kind === 'votes')).toHaveLength(2), WAIT);
    expect(committed().filter((c) => c.kind === 'votes')).toEqual([
      { kind: 'votes', polls: [{ pollId: poll.id, stored: 1, flagged: 0 }] },
      { kind: 'votes', polls: [{ pollId: poll.id, stored: 2, flagged: 0 }] },
    ]);
  });

  it('announces the organisers\' other changes: drafts, schedules, kiosk lifecycle, alerts', async () => {
    await writer.addKiosks([newKiosk('k1'), newKiosk('k2')]);
    await writer.updateKiosk('k1', { name: 'Hall' }, T0);
    await writer.rotateKioskSecret('k1', 's2', T0);
    await writer.revokeKiosk('k2', T0);
    await writer.reactivateKiosk('k2', 's3', T0);
    await writer.revokeKiosk('k2', T0 + 1);
    await writer.removeKiosk('k2', T0 + 2);
    const draft = await writer.createDraftPoll({ question: 'Q', options: ['x', 'y'] }, T0);
    await writer.updatePoll(draft.id, { publicResults: 'always' }, T0);
    await writer.deleteDraftPoll(draft.id, T0);
    const rule = await writer.addAlertRule({ kind: 'flagged-burst', params: { count: 1, minutes: 1 }, enabled: true }, T0);
    const { alert } = await writer.raiseAlert({ ruleId: rule.id, subject: 'fleet', message: 'm', at: T0 });
    await writer.raiseAlert({ ruleId: rule.id, subject: 'fleet', message: 'm', at: T0 }); // already up: nothing new
    await writer.acknowledgeAlert(alert.id, T0, 'x');
    await writer.clearAlert(rule.id, 'fleet', T0);
    await writer.addKiosk(newKiosk('marker'));
    await vi.waitFor(() => expect(committed().at(-1)).toMatchObject({ kioskIds: ['marker'] }), WAIT);
    expect(committed().slice(0, -1)).toEqual([
      { kind: 'kiosks', kioskIds: ['k1', 'k2'], change: 'added' },
      { kind: 'kiosks', kioskIds: ['k1'], change: 'updated' },
      { kind: 'kiosks', kioskIds: ['k1'], change: 'rotated' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'revoked' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'reactivated' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'revoked' },
      { kind: 'kiosks', kioskIds: ['k2'], change: 'removed' },
      { kind: 'poll', pollId: draft.id, change: 'created' },
      { kind: 'poll', pollId: draft.id, change: 'updated' },
      { kind: 'poll', pollId: draft.id, change: 'deleted' },
      { kind: 'alert-rules' },
      { kind: 'alert', alertId: alert.id, change: 'raised' },
      { kind: 'alert', alertId: alert.id, change: 'acknowledged' },
      { kind: 'alert', alertId: alert.id, change: 'cleared' },
    ]);
  });

  it('announces nothing for a change that rolled back (a refused poll)', async () => {
    await writer.openPoll('Q', ['x', 'y'], T0);
    await expectCode(writer.openPoll('Q2', ['x', 'y'], T0), 'PV_POLL_ALREADY_OPEN');
    await writer.addKiosk(newKiosk('marker'));
    await vi.waitFor(() => expect(committed().at(-1)).toEqual({ kind: 'kiosks', kioskIds: ['marker'], change: 'added' }), WAIT);
    expect(committed().filter((c) => c.kind === 'poll')).toHaveLength(1);
  });

  it('announces kiosks going online or offline, not every heartbeat', async () => {
    await writer.addKiosk(newKiosk('k1'));
    await writer.addKiosk(newKiosk('k2'));
    await writer.updatePresence([
      { kioskId: 'k1', lastSeenAt: T0, connected: true },
      { kioskId: 'k2', lastSeenAt: T0, connected: false },
    ]);
    await writer.updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 1, connected: true, queued: 3 }]);
    await writer.updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 2, connected: false }]);
    await writer.addKiosk(newKiosk('marker'));
    await vi.waitFor(() => expect(committed().at(-1)).toMatchObject({ kioskIds: ['marker'] }), WAIT);
    expect(committed().filter((c) => c.kind === 'presence')).toEqual([
      { kind: 'presence', kioskIds: ['k1'] },
      { kind: 'presence', kioskIds: ['k1'] },
    ]);
  });

  it('claims: each claim has a larger epoch, is announced with its server, and can be read back', async () => {
    await writer.addKiosk(newKiosk('k1'));
    const first = await watcher.claimKioskConnection('k1', 'server-a');
    const second = await writer.claimKioskConnection('k1', 'server-b');
    expect(second).toBeGreaterThan(first);
    await vi.waitFor(() => expect(committed().filter((c) => c.kind === 'kiosk-claimed')).toHaveLength(2), WAIT);
    expect(committed().filter((c) => c.kind === 'kiosk-claimed')).toEqual([
      { kind: 'kiosk-claimed', kioskId: 'k1', epoch: first, serverId: 'server-a' },
      { kind: 'kiosk-claimed', kioskId: 'k1', epoch: second, serverId: 'server-b' },
    ]);
    expect(await watcher.readKioskClaims(['k1', 'ghost'])).toEqual([{ kioskId: 'k1', epoch: second, serverId: 'server-b' }]);
    await expectCode(writer.claimKioskConnection('ghost', 'server-b'), 'PV_UNKNOWN_KIOSK');
  });

  it('claims race: concurrent claims from many servers get distinct epochs', async () => {
    await writer.addKiosk(newKiosk('k1'));
    const epochs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? writer : watcher).claimKioskConnection('k1', `s${i}`)));
    expect(new Set(epochs).size).toBe(20);
    const [claim] = await writer.readKioskClaims(['k1']);
    expect(claim?.epoch).toBe(Math.max(...epochs));
  });

  it('a superseded server cannot mark the kiosk offline: presence with a stale epoch is ignored', async () => {
    await writer.addKiosk(newKiosk('k1'));
    const oldEpoch = await watcher.claimKioskConnection('k1', 'server-a');
    await watcher.updatePresence([{ kioskId: 'k1', lastSeenAt: T0, connected: true, epoch: oldEpoch }]);
    const newEpoch = await writer.claimKioskConnection('k1', 'server-b');
    await writer.updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 5, connected: true, software: '2.0', epoch: newEpoch }]);
    // Server A drops its old connection late and writes it down: ignored.
    await watcher.updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 9, connected: false, epoch: oldEpoch }]);
    expect(await writer.getKiosk('k1')).toMatchObject({ connected: true, lastSeenAt: T0 + 5, software: '2.0' });
    // Without an epoch (engines and callers without claims) the update applies as before.
    await watcher.updatePresence([{ kioskId: 'k1', lastSeenAt: T0 + 10, connected: false }]);
    expect(await writer.getKiosk('k1')).toMatchObject({ connected: false, lastSeenAt: T0 + 10 });
  });

  it('applies a kiosk listed twice in one presence batch in order, as the other engines do', async () => {
    await writer.addKiosk(newKiosk('k1'));
    await writer.updatePresence([
      { kioskId: 'k1', lastSeenAt: T0 + 1, software: '1.0', queued: 4, connected: true },
      { kioskId: 'k1', lastSeenAt: T0 + 2, queued: 1 },
      { kioskId: 'k1', lastSeenAt: T0 + 3, connected: false },
    ]);
    expect(await writer.getKiosk('k1')).toMatchObject({ lastSeenAt: T0 + 3, software: '1.0', queued: 1, connected: false });
  });

  it('reconnects after its connection is killed, reports it, and hears changes again', async () => {
    const admin = await pgc.admin();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
    await vi.waitFor(() => expect(seen.map((c) => c.kind)).toContain('listener-lost'), WAIT);
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ kind: 'listening', reconnected: true }), WAIT);
    // The writer's pooled connections were killed too: its next call gets a fresh one.
    await writer.addKiosk(newKiosk('after'));
    await vi.waitFor(() => expect(committed().at(-1)).toEqual({ kind: 'kiosks', kioskIds: ['after'], change: 'added' }), WAIT);
  });

  it('tells the store\'s own changes (local) from those committed through another store', async () => {
    const marked: [string, boolean][] = [];
    const stop = await watcher.watchChanges((c, local) => {
      if (c.kind === 'kiosks') marked.push([c.kioskIds?.[0] ?? '', local]);
    });
    await writer.addKiosk(newKiosk('from-writer'));
    await watcher.addKiosk(newKiosk('from-watcher'));
    await vi.waitFor(() => expect(marked).toHaveLength(2), WAIT);
    expect(marked).toEqual([['from-writer', false], ['from-watcher', true]]);
    await stop();
  });

  it('stops listening when asked, and close() stops the listeners it still has', async () => {
    await stopWatching?.();
    stopWatching = undefined;
    await writer.addKiosk(newKiosk('unheard'));
    const second: StoreChange[] = [];
    await watcher.watchChanges((c) => second.push(c));
    await writer.addKiosk(newKiosk('heard'));
    await vi.waitFor(() => expect(second.at(-1)).toMatchObject({ kioskIds: ['heard'] }), WAIT);
    expect(committed()).toEqual([]);
    const admin = await pgc.admin();
    const listening = async () =>
      (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [db.name])).rows[0]?.n;
    expect(await listening()).toBe(1);
    await watcher.close();
    await vi.waitFor(async () => expect(await listening()).toBe(0), WAIT);
  });
});
