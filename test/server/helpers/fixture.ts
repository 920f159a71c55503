import { pino, type Logger } from 'pino';
import { newSecret } from '../../../src/protocol/auth.js';
import { createPivoteServer, type PivoteServerOptions, type PivoteServer } from '../../../src/server/server.js';
import { MemoryVoteStore } from '../../../src/store/memory/memory-store.js';
import type { VoteStore } from '../../../src/store/types.js';
import { duplexPair } from './duplex-pair.js';
import { TestKiosk } from './test-kiosk.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger that keeps every line (as data) for assertions. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export interface Fixture {
  store: VoteStore;
  server: PivoteServer;
  secrets: Map<string, string>;
  lines: LogLine[];
  clients: TestKiosk[];
  /** A kiosk connected over an in-memory duplex pair. */
  connect(highWaterMark?: number): TestKiosk;
  /** Connected and authenticated as `kioskId`. */
  kiosk(kioskId: string): Promise<TestKiosk>;
  teardown(): Promise<void>;
}

export interface FixtureOptions extends Partial<Omit<PivoteServerOptions, 'store' | 'logger'>> {
  store?: VoteStore;
  kiosks?: string[];
  /** Open a poll with these options before the server starts (null: none). */
  poll?: string[] | null;
}

export async function startFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const store = opts.store ?? new MemoryVoteStore();
  const secrets = new Map<string, string>();
  for (const id of opts.kiosks ?? ['k1', 'k2']) {
    const secret = newSecret();
    secrets.set(id, secret);
    await store.addKiosk({ id, name: id, location: 'hall', secret, createdAt: Date.now() });
  }
  const poll = opts.poll === undefined ? ['yes', 'no'] : opts.poll;
  if (poll) await store.openPoll('Question?', poll, Date.now());
  const { logger, lines } = captureLogger();
  const { store: _s, kiosks: _k, poll: _p, ...serverOpts } = opts;
  const server = await createPivoteServer({ ...serverOpts, store, logger });
  const clients: TestKiosk[] = [];
  const f: Fixture = {
    store,
    server,
    secrets,
    lines,
    clients,
    connect(highWaterMark) {
      const [serverEnd, kioskEnd] = duplexPair(highWaterMark);
      server.handleConnection(serverEnd, { remote: 'memory' });
      const k = new TestKiosk(kioskEnd);
      clients.push(k);
      return k;
    },
    async kiosk(kioskId) {
      const k = f.connect();
      await k.handshake(kioskId, secrets.get(kioskId)!);
      return k;
    },
    async teardown() {
      for (const c of clients) c.close();
      await server.close();
    },
  };
  return f;
}
