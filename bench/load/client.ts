/**
 * What the load generator needs from one simulated kiosk connection, whatever the wire protocol.
 * Times are performance.now() milliseconds.
 */
export interface ClientHooks {
  /** A vote was answered: ok = acknowledged (ack / puback), !ok = refused (reject). */
  onAnswer(client: BenchClient, intendedAt: number, ok: boolean): void;
  onHeartbeatRtt(ms: number): void;
  onClose(client: BenchClient, reason: string): void;
}

export interface BenchClient {
  readonly id: string;
  /** Index in the generator's client list (for per-client backlogs). */
  readonly index: number;
  /** Votes sent and not yet answered. */
  readonly inflight: number;
  /** Most votes this client may have unanswered. */
  readonly window: number;
  readonly open: boolean;
  /** Resolves once authenticated (pivote: welcome; MQTT: CONNACK). */
  connect(timeoutMs: number): Promise<void>;
  /** Sends one vote; its latency is measured from `intendedAt`. */
  sendVote(intendedAt: number): void;
  /** Sends a heartbeat when one is due (pivote only; MQTT keepalive runs inside mqtt.js). */
  tick(now: number): void;
  close(): void;
}

export function voteFrame(kioskId: string, seq: number, pollId: number): string {
  // Same fields a real kiosk sends; voteId unique per kiosk within one bench database.
  return `{"type":"vote","voteId":"${kioskId}-${seq}","seq":${seq},"pollId":${pollId},"button":${(seq % 4) + 1},"ageMs":0}\n`;
}
