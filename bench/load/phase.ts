import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LatencyRecorder } from '../stats.js';
import type { BenchClient } from './client.js';
import type { PhaseCommand, PhaseShare } from './ipc.js';

/**
 * One measured phase over connected clients.
 *
 * closed: every voter keeps its window full; each answer sends the next vote (throughput).
 * open:   `rate` votes/s in total on a fixed schedule, round-robin over the voters. Vote k is due
 *         at t0 + k/rate and its latency is measured from that due time, not from when it was
 *         actually written, so a stalled server or a full window cannot hide latency
 *         (no coordinated omission). A vote due while its client's window is full waits in
 *         that client's backlog.
 *
 * Warm-up first (same load, not recorded), then the measured window, then a drain. Several
 * generator processes each run their share of the clients (and of the rate) from the same
 * moment, `startAtEpochMs`, so their measured windows coincide and the harness adds them up.
 */
export class PhaseRunner {
  private readonly latency = new LatencyRecorder();
  private readonly heartbeats = new LatencyRecorder();
  private readonly backlog: number[][];
  private generating = true;
  private mStart = Infinity;
  private mEnd = Infinity;
  private acked = 0;
  private rejected = 0;
  private dueInWindow = 0;
  private answeredInWindow = 0;
  private dropped = 0;
  private sent = 0;
  private t0 = 0;
  private pacer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cmd: PhaseCommand,
    private readonly voters: readonly BenchClient[],
    clientCount: number,
  ) {
    this.backlog = cmd.mode === 'open' ? Array.from({ length: clientCount }, () => []) : [];
  }

  async run(): Promise<PhaseShare> {
    const { cmd } = this;
    // The common start, on this process's clock.
    const now = performance.now();
    this.t0 = now + Math.max(0, cmd.startAtEpochMs - (performance.timeOrigin + now));
    await sleep(this.t0 - performance.now());
    this.mStart = this.t0 + cmd.warmupMs;
    this.mEnd = this.mStart + cmd.measureMs;
    if (cmd.mode === 'closed') {
      for (const c of this.voters) for (let i = c.inflight; i < c.window && c.open; i++) this.send(c, this.t0);
    } else {
      this.pacer = setInterval(this.pace, 1);
    }
    await sleep(this.mStart - performance.now());
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    await sleep(Math.max(0, this.mEnd - performance.now()));
    loopDelay.disable();
    const measuredS = (performance.now() - this.mStart) / 1000;
    this.stop();
    const drainUntil = performance.now() + cmd.drainMs;
    while (performance.now() < drainUntil && this.voters.some((c) => c.open && c.inflight > 0)) await sleep(20);
    return {
      ev: 'phase',
      mode: cmd.mode,
      voters: this.voters.length,
      offeredPerS: cmd.mode === 'open' ? (cmd.rate ?? 0) : null,
      measuredS,
      acked: this.acked,
      rejected: this.rejected,
      unanswered: Math.max(0, this.dueInWindow - this.answeredInWindow),
      latencySamples: this.latency.samples(),
      heartbeatSamples: this.heartbeats.samples(),
      dropped: this.dropped,
      // The histogram counts the 10 ms sampling interval itself; report only the delay beyond it.
      generatorEventLoopP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - 10),
    };
  }

  onAnswer(client: BenchClient, intendedAt: number, ok: boolean): void {
    const now = performance.now();
    if (now >= this.mStart && now < this.mEnd) {
      if (ok) this.acked++;
      else this.rejected++;
    }
    if (intendedAt >= this.mStart && intendedAt < this.mEnd) {
      this.answeredInWindow++;
      this.latency.add(now - intendedAt);
    }
    if (!this.generating || !client.open) return;
    if (this.cmd.mode === 'closed') {
      this.send(client, now);
    } else {
      const queue = this.backlog[client.index];
      // Counted as due when it was queued; only the write happens now.
      if (queue !== undefined && queue.length > 0) client.sendVote(queue.shift()!);
    }
  }

  onHeartbeatRtt(ms: number): void {
    const now = performance.now();
    if (now >= this.mStart && now < this.mEnd) this.heartbeats.add(ms);
  }

  onClose(): void {
    this.dropped++;
  }

  stop(): void {
    this.generating = false;
    if (this.pacer !== undefined) clearInterval(this.pacer);
    this.pacer = undefined;
    for (const q of this.backlog) q.length = 0;
  }

  private send(client: BenchClient, intendedAt: number): void {
    if (intendedAt >= this.mStart && intendedAt < this.mEnd) this.dueInWindow++;
    client.sendVote(intendedAt);
  }

  private readonly pace = (): void => {
    const rate = this.cmd.rate ?? 0;
    const n = this.voters.length;
    if (!this.generating || rate <= 0 || n === 0) return;
    const now = performance.now();
    // Vote k is due at t0 + k/rate (vote 0 at once).
    const due = Math.floor(((now - this.t0) * rate) / 1000) + 1;
    const interval = 1000 / rate;
    while (this.sent < due) {
      const k = this.sent++;
      const intendedAt = this.t0 + k * interval;
      const client = this.voters[k % n]!;
      if (!client.open) continue;
      if (client.inflight < client.window) {
        this.send(client, intendedAt);
      } else {
        if (intendedAt >= this.mStart && intendedAt < this.mEnd) this.dueInWindow++;
        this.backlog[client.index]!.push(intendedAt);
      }
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
