import net from 'node:net';
import { computeAuthMac } from '../../src/protocol/auth.js';
import { FrameDecoder, encodeFrame } from '../../src/protocol/codec.js';
import { MAX_SERVER_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import type { KioskCredentials } from './ipc.js';
import type { WatchCommand, WatcherCommand, WatcherEvent } from './dashboard-ipc.js';

/**
 * A child process of the bench that does what open dashboards do to a server: it holds N live
 * event streams (GET /api/events, the admin token as Bearer) and reads every event. Beside them,
 * a few probe kiosks vote now and then for an option the load generator never presses; the time
 * from each probe vote's ack to the first tally (on stream 0) that counts it is what an
 * organiser waits for a bar to move. Kept apart from the load generator so neither slows the
 * other's clock.
 */

const now = (): number => performance.now();
const send = (e: WatcherEvent): void => void process.send?.(e);

interface Probe {
  socket: net.Socket;
  seq: number;
}

class Watch {
  private readonly controllers: AbortController[] = [];
  private readonly probes: Probe[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly ackTimes: number[] = [];
  private readonly latencies: number[] = [];
  private counted = -1;
  private probeVotes = 0;
  private probeRefused = 0;
  private events = 0;
  private bytes = 0;
  private streamsLost = 0;
  private stopping = false;

  constructor(private readonly cmd: WatchCommand) {}

  async start(): Promise<void> {
    const snapshots: Promise<void>[] = [];
    for (let i = 0; i < this.cmd.streams; i++) snapshots.push(this.openStream(i));
    await Promise.all(snapshots);
    for (const [i, creds] of this.cmd.probes.entries()) this.probes.push(await this.connectProbe(creds, i));
    // Staggered, so probe votes arrive evenly rather than in bursts.
    this.probes.forEach((probe, i) => {
      const first = setTimeout(() => {
        this.vote(probe, i);
        this.timers.push(setInterval(() => this.vote(probe, i), this.cmd.probeEveryMs));
      }, (i * this.cmd.probeEveryMs) / this.probes.length);
      this.timers.push(first);
    });
  }

  stop(): WatcherEvent {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.controllers) c.abort();
    for (const p of this.probes) p.socket.destroy();
    return {
      ev: 'report',
      ackToStreamMs: this.latencies,
      probeVotes: this.probeVotes,
      probeAcks: this.ackTimes.length,
      probeRefused: this.probeRefused,
      events: this.events,
      bytes: this.bytes,
      streamsLost: this.streamsLost,
    };
  }

  /** Resolves once the stream's snapshot arrived; reads (and, for stream 0, judges) the rest. */
  private openStream(index: number): Promise<void> {
    const controller = new AbortController();
    this.controllers.push(controller);
    return new Promise((resolve, reject) => {
      void (async () => {
        const res = await fetch(`${this.cmd.httpUrl}/api/events`, { headers: { authorization: `Bearer ${this.cmd.token}` }, signal: controller.signal });
        if (res.status !== 200 || !res.body) throw new Error(`GET /api/events answered ${res.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        let started = false;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          this.bytes += chunk.byteLength;
          buffer += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            if (block.startsWith(':')) continue;
            this.events++;
            if (!started && block.startsWith('event: snapshot')) {
              started = true;
              if (index === 0) this.onSnapshot(block);
              resolve();
            } else if (index === 0 && block.startsWith('event: tally')) {
              this.onTally(block);
            }
          }
        }
        if (!this.stopping) this.streamsLost++;
      })().catch((err: unknown) => {
        if (this.stopping) return;
        this.streamsLost++;
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  private probeCount(options: { button: number; count: number }[] | undefined): number {
    return options?.find((o) => o.button === this.cmd.probeButton)?.count ?? 0;
  }

  private onSnapshot(block: string): void {
    const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { results: { options: { button: number; count: number }[] } | null };
    this.counted = this.probeCount(data.results?.options);
  }

  /** Every probe vote acknowledged but not yet counted on the stream, counted now. */
  private onTally(block: string): void {
    const at = now();
    const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { pollId: number; options: { button: number; count: number }[] };
    if (data.pollId !== this.cmd.pollId) return;
    const count = this.probeCount(data.options);
    for (let k = this.counted; k < count && k < this.ackTimes.length; k++) this.latencies.push(Math.max(0, at - this.ackTimes[k]!));
    this.counted = Math.max(this.counted, Math.min(count, this.ackTimes.length));
  }

  private connectProbe(creds: KioskCredentials, index: number): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.cmd.kioskHost, port: this.cmd.kioskPort });
      socket.setNoDelay(true);
      const decoder = new FrameDecoder(MAX_SERVER_FRAME_BYTES);
      const probe: Probe = { socket, seq: 0 };
      let heartbeat: NodeJS.Timeout | undefined;
      socket.on('error', (err) => reject(err));
      socket.on('close', () => clearInterval(heartbeat));
      socket.on('connect', () => socket.write(encodeFrame({ type: 'hello', v: PROTOCOL_VERSION, kioskId: creds.id, software: 'bench-probe/1' })));
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          if (!frame.ok) {
            socket.destroy(frame.error);
            return;
          }
          const m = frame.value as { type: string; nonce?: string; heartbeatMs?: number; status?: string };
          if (m.type === 'challenge') socket.write(encodeFrame({ type: 'auth', mac: computeAuthMac(creds.secret, creds.id, m.nonce ?? '') }));
          else if (m.type === 'welcome') {
            heartbeat = setInterval(() => socket.write(encodeFrame({ type: 'heartbeat', queued: 0 })), Math.max(1_000, (m.heartbeatMs ?? 15_000) / 2));
            this.timers.push(heartbeat);
            resolve(probe);
          } else if (m.type === 'ack') {
            if (m.status === 'stored') this.ackTimes.push(now());
          } else if (m.type === 'reject') this.probeRefused++;
          else if (m.type === 'error') reject(new Error(`probe ${index}: ${JSON.stringify(m)}`));
        }
      });
    });
  }

  private vote(probe: Probe, index: number): void {
    if (this.stopping || probe.socket.destroyed) return;
    probe.seq++;
    this.probeVotes++;
    probe.socket.write(encodeFrame({ type: 'vote', voteId: `probe-${index}-${probe.seq}`, seq: probe.seq, pollId: this.cmd.pollId, button: this.cmd.probeButton, ageMs: 0 }));
  }
}

let watch: Watch | undefined;
process.on('message', (msg: WatcherCommand) => {
  if (msg.cmd === 'watch') {
    watch = new Watch(msg);
    watch.start().then(
      () => send({ ev: 'watching', streams: msg.streams, probes: msg.probes.length }),
      (err: unknown) => send({ ev: 'error', message: (err as Error).message }),
    );
  } else if (msg.cmd === 'stop') {
    const report = watch?.stop() ?? { ev: 'error', message: 'stop before watch' };
    process.send?.(report, () => process.exit(0));
  }
});
