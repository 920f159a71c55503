import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ErrorCode } from '../../src/protocol/errors.js';
import { GoodKiosk } from './helpers/good-kiosk.js';
import { startServerProcess, type LogLine } from './helpers/server-process.js';
import { readVotes, Scratch, seedDb } from './helpers/seed.js';
import { connectPeer } from './helpers/tcp-peer.js';
import { until, WirePeer } from './helpers/wire-peer.js';

/**
 * Slow senders against a real `pivote server` with shortened deadlines: connections that never
 * authenticate, or send one byte a second, must all be closed by the deadlines while a good kiosk
 * keeps voting and gets every vote acknowledged promptly.
 *
 *   silent        connects and sends nothing                    -> PV_AUTH_TIMEOUT
 *   hello-only    sends hello, never auth                       -> PV_AUTH_TIMEOUT
 *   trickle       sends hello one byte a second                 -> PV_FRAME_TIMEOUT (or auth, first)
 *   trickle-auth  authenticates, then sends a vote a byte a second -> PV_FRAME_TIMEOUT
 */

export type SlowKind = 'silent' | 'hello-only' | 'trickle' | 'trickle-auth';

export interface SlowSendersOptions {
  connections: number;
  authTimeoutMs: number;
  frameTimeoutMs: number;
  /** Registered kiosks the trickle-auth connections authenticate as (one each). */
  authenticatedTricklers: number;
}

export interface SlowSendersReport {
  connections: number;
  byKind: Record<SlowKind, number>;
  /** Error code each slow connection was closed with, counted. */
  closeCodes: Record<string, number>;
  /** Slow connections the server had not closed when the test gave up waiting. */
  stillOpen: number;
  /** Closed with no error frame or an unexpected code for their kind. */
  unexpected: string[];
  /** Longest time from a slow connection's open to its close, ms. */
  slowestCloseMs: number;
  /** Time from the first slow connection opening to the last being closed. */
  allClosedAfterMs: number;
  goodVotesAcked: number;
  goodVotesCounted: number;
  goodFailures: string[];
  goodMaxAckLatencyMs: number;
  serverAlive: boolean;
  exitCodeOnSigterm: number | null;
  serverErrorLogs: LogLine[];
}

const EXPECTED: Record<SlowKind, readonly ErrorCode[]> = {
  silent: ['PV_AUTH_TIMEOUT'],
  'hello-only': ['PV_AUTH_TIMEOUT'],
  trickle: ['PV_FRAME_TIMEOUT', 'PV_AUTH_TIMEOUT'],
  'trickle-auth': ['PV_FRAME_TIMEOUT'],
};

/** The soft limit on open files of this process (Linux), or undefined elsewhere. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Slow {
  kind: SlowKind;
  peer: WirePeer;
  openedAt: number;
  closedAt?: number;
  /** Bytes still to trickle. */
  rest: Buffer;
}

function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export async function runSlowSenders(opts: SlowSendersOptions): Promise<SlowSendersReport> {
  const scratch = new Scratch();
  const trickleIds = Array.from({ length: opts.authenticatedTricklers }, (_, i) => `slow-${i + 1}`);
  const timers: NodeJS.Timeout[] = [];
  const slows: Slow[] = [];
  try {
    const { secrets, poll } = await seedDb(scratch.dbPath, ['good-kiosk', ...trickleIds]);
    const server = await startServerProcess({
      dbPath: scratch.dbPath,
      args: ['--auth-timeout-ms', String(opts.authTimeoutMs), '--frame-timeout-ms', String(opts.frameTimeoutMs), '--burst-max', '1000000'],
    });
    const report: SlowSendersReport = {
      connections: 0,
      byKind: { silent: 0, 'hello-only': 0, trickle: 0, 'trickle-auth': 0 },
      closeCodes: {},
      stillOpen: 0,
      unexpected: [],
      slowestCloseMs: 0,
      allClosedAfterMs: 0,
      goodVotesAcked: 0,
      goodVotesCounted: 0,
      goodFailures: [],
      goodMaxAckLatencyMs: 0,
      serverAlive: false,
      exitCodeOnSigterm: null,
      serverErrorLogs: [],
    };
    try {
      const goodPeer = await connectPeer(server.port);
      await goodPeer.handshake('good-kiosk', secrets.get('good-kiosk')!);
      const good = new GoodKiosk(goodPeer, poll!.id, poll!.options.length);
      good.start();

      const start = performance.now();
      const hello = (id: string) => Buffer.from(JSON.stringify({ type: 'hello', v: 1, kioskId: id, software: 'slow/1' }) + '\n');
      const vote = Buffer.from(JSON.stringify({ type: 'vote', voteId: 'slow-vote', seq: 1, pollId: poll!.id, button: 1, ageMs: 0 }) + '\n');
      const kinds: SlowKind[] = [];
      for (let i = 0; i < opts.connections - opts.authenticatedTricklers; i++) kinds.push((['silent', 'hello-only', 'trickle'] as const)[i % 3]!);
      // Opened in batches, as a crowd of misbehaving clients would arrive.
      for (let i = 0; i < kinds.length; i += 200) {
        await Promise.all(
          kinds.slice(i, i + 200).map(async (kind) => {
            const peer = new WirePeer(await openSocket(server.port));
            const slow: Slow = { kind, peer, openedAt: performance.now(), rest: kind === 'trickle' ? hello('slow-x') : Buffer.alloc(0) };
            if (kind === 'hello-only') peer.write(hello('nobody'));
            slows.push(slow);
          }),
        );
      }
      await Promise.all(
        trickleIds.map(async (id) => {
          const peer = await connectPeer(server.port);
          await peer.handshake(id, secrets.get(id)!, 10_000);
          slows.push({ kind: 'trickle-auth', peer, openedAt: performance.now(), rest: vote });
        }),
      );
      for (const s of slows) {
        report.byKind[s.kind]++;
        void s.peer.ended.then(() => (s.closedAt = performance.now()));
      }
      report.connections = slows.length;

      // One byte a second from every trickler.
      const trickle = (): void => {
        for (const s of slows) {
          if (s.rest.length === 0 || s.peer.isEnded) continue;
          s.peer.write(s.rest.subarray(0, 1));
          s.rest = s.rest.subarray(1);
        }
      };
      trickle();
      timers.push(setInterval(trickle, 1000));

      const limit = opts.authTimeoutMs + opts.frameTimeoutMs + 5_000;
      await until(() => slows.every((s) => s.peer.isEnded), 'every slow connection closed', limit).catch(() => undefined);
      for (const t of timers) clearInterval(t);
      await good.stop();

      for (const s of slows) {
        if (!s.peer.isEnded) {
          report.stillOpen++;
          continue;
        }
        const code = s.peer.errors[0]?.code;
        report.closeCodes[code ?? 'none'] = (report.closeCodes[code ?? 'none'] ?? 0) + 1;
        if (!code || !EXPECTED[s.kind].includes(code)) report.unexpected.push(`${s.kind}: ${code ?? 'closed without an error frame'}`);
        report.slowestCloseMs = Math.max(report.slowestCloseMs, (s.closedAt ?? performance.now()) - s.openedAt);
        report.allClosedAfterMs = Math.max(report.allClosedAfterMs, (s.closedAt ?? performance.now()) - start);
      }
      report.slowestCloseMs = Math.round(report.slowestCloseMs);
      report.allClosedAfterMs = Math.round(report.allClosedAfterMs);
      report.goodVotesAcked = good.acked.size;
      report.goodFailures = good.failures;
      report.goodMaxAckLatencyMs = Math.round(good.maxAckLatencyMs);
      report.serverAlive = server.alive;
      goodPeer.close();
      const votes = await readVotes(scratch.dbPath);
      report.goodVotesCounted = votes.filter((v) => v.kioskId === 'good-kiosk' && good.acked.get(v.voteId) === v.button).length;
    } finally {
      for (const s of slows) s.peer.close();
      report.exitCodeOnSigterm = await server.stop().catch(() => null);
      report.serverErrorLogs = server.notable.filter((l) => l.level >= 50);
    }
    return report;
  } finally {
    for (const t of timers) clearInterval(t);
    scratch.remove();
  }
}
