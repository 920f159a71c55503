import type { Duplex } from 'node:stream';
import { newSecret } from '../../../src/protocol/auth.js';
import { createPivoteServer, type PivoteServer } from '../../../src/server/server.js';
import type { ServerLimits } from '../../../src/server/limits.js';
import { MemoryVoteStore } from '../../../src/store/memory/memory-store.js';
import type { PollRecord } from '../../../src/store/types.js';
import { captureLogger, type LogLine } from '../../server/helpers/fixture.js';
import { duplexPair } from '../../server/helpers/duplex-pair.js';
import { WirePeer } from './wire-peer.js';

export { settle, until } from './wire-peer.js';

/**
 * A server core on a MemoryVoteStore with kiosks k1 and k2, a closed poll (1) and an open poll
 * (2), and raw peers over in-memory duplex pairs.
 */

export interface Harness {
  server: PivoteServer;
  store: MemoryVoteStore;
  secrets: Map<string, string>;
  closedPoll: PollRecord;
  openPoll: PollRecord;
  logs: LogLine[];
  peers: Peer[];
  connect(highWaterMark?: number): Peer;
  close(): Promise<void>;
}

export async function startHarness(limits: Partial<ServerLimits> = {}): Promise<Harness> {
  const store = new MemoryVoteStore();
  const secrets = new Map<string, string>();
  for (const id of ['k1', 'k2']) {
    const secret = newSecret();
    secrets.set(id, secret);
    await store.addKiosk({ id, name: id, location: 'fuzz', secret, createdAt: Date.now() });
  }
  const now = Date.now();
  await store.openPoll('Old?', ['a', 'b'], now - 60_000);
  const closedPoll = await store.closePoll(now - 30_000);
  const openPoll = await store.openPoll('Now?', ['yes', 'no', 'maybe'], now - 10_000);
  const { logger, lines } = captureLogger('info');
  const server = await createPivoteServer({ store, logger, limits });
  const peers: Peer[] = [];
  return {
    server,
    store,
    secrets,
    closedPoll,
    openPoll,
    logs: lines,
    peers,
    connect(highWaterMark) {
      const [serverEnd, kioskEnd] = duplexPair(highWaterMark);
      server.handleConnection(serverEnd, { remote: 'fuzz' });
      const peer = new Peer(kioskEnd, serverEnd);
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const p of peers) p.kioskEnd.destroy();
      await server.close();
    },
  };
}

/** A WirePeer that also holds the server's end of its in-memory pair, to measure what it buffers. */
export class Peer extends WirePeer {
  constructor(
    kioskEnd: Duplex,
    readonly serverEnd: Duplex,
  ) {
    super(kioskEnd);
  }
}
