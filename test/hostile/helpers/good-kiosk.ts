import { randomUUID } from 'node:crypto';
import type { WirePeer } from './wire-peer.js';

/**
 * A well-behaved kiosk that keeps voting while a test attacks the server: one vote at a time,
 * each awaited until acknowledged. Anything but an `ack` for its vote (a reject, an error, the
 * connection closing, no answer in time) is recorded as a failure and stops it.
 */
export class GoodKiosk {
  readonly acked = new Map<string, number>();
  readonly failures: string[] = [];
  sent = 0;
  maxAckLatencyMs = 0;
  private stopping = false;
  /** received[] before this index is already answered for: one vote at a time, answers in order. */
  private scanned = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly peer: WirePeer,
    private readonly pollId: number,
    private readonly buttons: number,
    private readonly intervalMs = 20,
    private readonly ackTimeoutMs = 10_000,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops after the vote in flight is answered; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let seq = 0;
    while (!this.stopping) {
      const voteId = randomUUID();
      seq++;
      const button = (seq % this.buttons) + 1;
      const sentAt = performance.now();
      this.peer.send({ type: 'vote', voteId, seq, pollId: this.pollId, button, ageMs: 0 });
      this.sent++;
      const answered = await this.waitForAnswer(voteId);
      if (!answered) return;
      this.maxAckLatencyMs = Math.max(this.maxAckLatencyMs, performance.now() - sentAt);
      this.acked.set(voteId, button);
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  private async waitForAnswer(voteId: string): Promise<boolean> {
    const deadline = performance.now() + this.ackTimeoutMs;
    for (;;) {
      const received = this.peer.received;
      let answer: (typeof received)[number] | undefined;
      for (; this.scanned < received.length && !answer; this.scanned++) {
        const m = received[this.scanned]!;
        if (((m.type === 'ack' || m.type === 'reject') && m.voteId === voteId) || m.type === 'error') answer = m;
      }
      if (answer?.type === 'ack') return true;
      if (answer?.type === 'reject') return this.fail(`vote ${voteId} rejected: ${answer.code}`);
      if (answer?.type === 'error') return this.fail(`connection closed by the server: ${answer.code} ${answer.message}`);
      if (this.peer.isEnded) return this.fail('connection ended');
      if (performance.now() > deadline) return this.fail(`no answer to vote ${voteId} within ${this.ackTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  private fail(reason: string): false {
    this.failures.push(reason);
    return false;
  }
}
