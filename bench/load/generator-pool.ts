import { summarizeAll } from '../stats.js';
import { GeneratorHandle } from './generator-handle.js';
import type { ConnectCommand, ConnectedEvent, PhaseCommand, PhaseResult } from './ipc.js';

/**
 * Several load-generator processes acting as one: each holds a contiguous share of the kiosks
 * and offers its share of the rate; a phase starts in all of them at the same moment and their
 * answers are added up (latency percentiles over every process's samples together).
 *
 * One process answering ~100,000 acks/s at one vote per write is itself a core's worth of
 * work; spread over processes, the generator is no longer what limits the figures (the report
 * says when it still was, from each process's CPU).
 */
export class GeneratorPool {
  private constructor(private readonly members: GeneratorHandle[]) {}

  /** Starts `processes` generators (no more than there are clients). */
  static start(processes: number, clients: number, slackFds: number): GeneratorPool {
    const n = Math.max(1, Math.min(processes, clients));
    const each = Math.ceil(clients / n);
    return new GeneratorPool(Array.from({ length: n }, () => GeneratorHandle.start(each + slackFds)));
  }

  get pids(): number[] {
    return this.members.map((m) => m.pid);
  }

  get size(): number {
    return this.members.length;
  }

  rssBytes(): number {
    return this.members.reduce((sum, m) => sum + m.rssBytes(), 0);
  }

  /** Connects kiosks first .. first + count - 1, split in contiguous shares. */
  async connect(cmd: Omit<ConnectCommand, 'cmd' | 'first'> & { first?: number }): Promise<ConnectedEvent> {
    const started = performance.now();
    const shares = split(cmd.count, this.members.length);
    let first = cmd.first ?? 0;
    const events = await Promise.all(
      this.members.map((m, i) => {
        const share = { ...cmd, first, count: shares[i]! };
        first += shares[i]!;
        return m.connect(share);
      }),
    );
    const errors = events.flatMap((e) => e.errors).slice(0, 5);
    return {
      ev: 'connected',
      connected: events.reduce((n, e) => n + e.connected, 0),
      failed: events.reduce((n, e) => n + e.failed, 0),
      errors,
      ms: performance.now() - started,
      rssBytes: events.reduce((n, e) => n + e.rssBytes, 0),
    };
  }

  /**
   * Runs one phase in every process from the same moment: voters and rate are split like the
   * clients. Resolves with the sums, and percentiles over all samples.
   */
  async phase(cmd: Omit<PhaseCommand, 'cmd' | 'startAtEpochMs'>, startAtEpochMs: number): Promise<PhaseResult> {
    const voters = split(cmd.voters, this.members.length);
    const rates = cmd.rate === undefined ? undefined : splitRate(cmd.rate, voters);
    const shares = await Promise.all(
      this.members.map((m, i) => {
        const rate = rates?.[i];
        return m.phase({ ...cmd, voters: voters[i]!, ...(rate !== undefined && { rate }), startAtEpochMs });
      }),
    );
    const measuredS = Math.max(...shares.map((s) => s.measuredS));
    const acked = shares.reduce((n, s) => n + s.acked, 0);
    return {
      ev: 'phase',
      mode: cmd.mode,
      voters: shares.reduce((n, s) => n + s.voters, 0),
      offeredPerS: cmd.mode === 'open' ? (cmd.rate ?? 0) : null,
      measuredS,
      acked,
      ackedPerS: acked / measuredS,
      rejected: shares.reduce((n, s) => n + s.rejected, 0),
      unanswered: shares.reduce((n, s) => n + s.unanswered, 0),
      latencyMs: summarizeAll(shares.map((s) => s.latencySamples)),
      heartbeatRttMs: summarizeAll(shares.map((s) => s.heartbeatSamples)),
      dropped: shares.reduce((n, s) => n + s.dropped, 0),
      generatorEventLoopP99Ms: Math.max(...shares.map((s) => s.generatorEventLoopP99Ms)),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}

/** n split in `parts` near-equal whole shares, larger ones first. */
export function split(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n % parts ? 1 : 0));
}

/** The rate shared in proportion to each process's voters (none: no rate). */
export function splitRate(rate: number, voters: readonly number[]): number[] {
  const total = voters.reduce((a, b) => a + b, 0);
  return voters.map((v) => (total === 0 ? 0 : (rate * v) / total));
}
