import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isKioskOnline } from '../store/types.js';
import { ONLINE_STALE_MS } from '../admin/views.js';
import type { PivoteServer } from '../server/server.js';
import type { VoteStore } from '../store/types.js';
import type { LiveState } from './live/live-state.js';

/**
 * The server's Prometheus metrics, fed by the same domain events as everything else. Names follow
 * Prometheus conventions (pivote_ prefix, base units, _total counters). Labels have bounded
 * values only: outcomes, and error codes from the fixed catalog — never a kiosk id, so 10,000
 * kiosks make no more series than 10.
 */
export function createMetrics(core: PivoteServer, store: VoteStore, live: LiveState): { registry: Registry; stop(): void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const votes = new Counter({ name: 'pivote_votes_total', help: 'Votes answered after a commit, by outcome (stored, duplicate, integrity) and whether flagged as repeated presses', labelNames: ['outcome', 'flagged'], registers });
  const refused = new Counter({ name: 'pivote_votes_refused_total', help: 'Votes refused before the store, by error code', labelNames: ['code'], registers });
  const ack = new Histogram({
    name: 'pivote_ack_latency_seconds',
    help: 'From a vote arriving to its acknowledgement being queued (after the durable commit)',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers,
  });
  const batch = new Histogram({ name: 'pivote_commit_batch_votes', help: 'Votes per committed transaction', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers });
  const commit = new Histogram({
    name: 'pivote_commit_duration_seconds',
    help: 'From handing a batch to the store until it was durably committed',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    registers,
  });
  const closed = new Counter({ name: 'pivote_connections_closed_total', help: 'Kiosk connections closed by the server, by error code (peer: the kiosk went away)', labelNames: ['reason', 'authenticated'], registers });

  let fleet: { online: number; offline: number; queued: number } | undefined;
  const readFleet = async (): Promise<{ online: number; offline: number; queued: number }> => {
    if (fleet) return fleet;
    const now = Date.now();
    // This server's own presence is newer than the store's batched copy for the kiosks it holds.
    const kiosks = (await store.listKiosks()).filter((k) => k.revokedAt === null).map((k) => {
      const live = core.presence.peek(k.id);
      return live ? { ...k, connected: live.connected, lastSeenAt: live.lastSeenAt, queued: live.queued } : k;
    });
    const online = kiosks.filter((k) => isKioskOnline(k, now, ONLINE_STALE_MS)).length;
    fleet = { online, offline: kiosks.length - online, queued: kiosks.reduce((a, k) => a + k.queued, 0) };
    setImmediate(() => (fleet = undefined)); // one read per scrape
    return fleet;
  };
  new Gauge({ name: 'pivote_connections', help: 'Kiosk connections this server holds (authenticated or not)', registers, collect() { this.set(core.stats().connections); } });
  new Gauge({ name: 'pivote_kiosks_connected', help: 'Kiosks with a live authenticated connection to this server', registers, collect() { this.set(core.stats().authenticated); } });
  new Gauge({ name: 'pivote_kiosks_online', help: 'Registered kiosks online (on any server of the database)', registers, async collect() { this.set((await readFleet()).online); } });
  new Gauge({ name: 'pivote_kiosks_offline', help: 'Registered, unrevoked kiosks offline', registers, async collect() { this.set((await readFleet()).offline); } });
  new Gauge({ name: 'pivote_kiosk_queued_votes', help: 'Votes kiosks report holding unacknowledged (last heartbeat of each)', registers, async collect() { this.set((await readFleet()).queued); } });
  new Gauge({ name: 'pivote_votes_pending', help: 'Valid votes waiting for or in a commit', registers, collect() { this.set(core.stats().pendingVotes); } });
  new Gauge({ name: 'pivote_dashboard_streams', help: 'Open live event streams (dashboards and big screens)', registers, collect() { this.set(live.clientCount); } });

  const offs = [
    core.events.on('votes-committed', ({ votes: vs, outcomes, at, commitSeconds }) => {
      batch.observe(vs.length);
      commit.observe(commitSeconds);
      let stored = 0;
      let storedFlagged = 0;
      let duplicate = 0;
      let integrity = 0;
      for (let i = 0; i < vs.length; i++) {
        const o = outcomes[i]!;
        if (o.status === 'stored') o.flagged ? storedFlagged++ : stored++;
        else if (o.status === 'duplicate') duplicate++;
        else integrity++;
        ack.observe(Math.max(0, at - vs[i]!.receivedAt) / 1000);
      }
      if (stored) votes.inc({ outcome: 'stored', flagged: 'false' }, stored);
      if (storedFlagged) votes.inc({ outcome: 'stored', flagged: 'true' }, storedFlagged);
      if (duplicate) votes.inc({ outcome: 'duplicate', flagged: 'false' }, duplicate);
      if (integrity) votes.inc({ outcome: 'integrity', flagged: 'false' }, integrity);
    }),
    core.events.on('vote-refused', ({ code }) => refused.inc({ code })),
    core.events.on('connection-closed', ({ code, authenticated }) => closed.inc({ reason: code ?? 'peer', authenticated: String(authenticated) })),
  ];
  return { registry, stop: () => offs.forEach((off) => off()) };
}
