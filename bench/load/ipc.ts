import type { LatencySummary } from '../stats.js';

/**
 * Messages between the bench harness and a load-generator child process (Node IPC channel).
 * The harness sends one command at a time and waits for its answer.
 */

/** mqtt: mqtt.js clients; mqtt-lean: bench/load/lean-mqtt-client.ts. */
export type WireProtocol = 'pivote' | 'mqtt' | 'mqtt-lean';

export interface KioskCredentials {
  id: string;
  secret: string;
}

export interface ConnectCommand {
  cmd: 'connect';
  protocol: WireProtocol;
  host: string;
  port: number;
  /** Several servers: kiosk i of the file connects to ports[i % ports.length] instead of `port`,
   *  so the kiosks are spread evenly over them whatever the generator processes' shares. */
  ports?: number[];
  /** JSON file holding KioskCredentials[]: 10,000 secrets are too many for one IPC message. */
  kiosksFile: string;
  /** Connect kiosks first .. first + count - 1 of the file (each generator process its share). */
  first: number;
  count: number;
  /** Handshakes in progress at once; connecting everything at once overflows the accept backlog. */
  concurrency: number;
  /** Most unanswered votes per client (pivote: also capped by the server's welcome). */
  window: number;
  pollId: number;
  /** MQTT keepalive (pivote clients follow the server's heartbeatMs from welcome). */
  heartbeatMs: number;
  timeoutMs: number;
}

export interface PhaseCommand {
  cmd: 'phase';
  /** closed: each voter keeps `window` votes in flight; open: `rate` votes/s in total, on a schedule. */
  mode: 'closed' | 'open';
  /** The first `voters` connected clients vote; the rest only heart-beat. */
  voters: number;
  rate?: number;
  /** When the phase starts, as epoch ms (performance.timeOrigin + performance.now()): every
   *  generator process starts its share at the same moment, so their measured windows coincide. */
  startAtEpochMs: number;
  warmupMs: number;
  measureMs: number;
  /** After sending stops: how long to wait for the last answers. */
  drainMs: number;
}

export interface CloseCommand {
  cmd: 'close';
}

export type GeneratorCommand = ConnectCommand | PhaseCommand | CloseCommand;

export interface ConnectedEvent {
  ev: 'connected';
  connected: number;
  failed: number;
  /** First few failure reasons, for the report. */
  errors: string[];
  ms: number;
  rssBytes: number;
}

export interface PhaseResult {
  ev: 'phase';
  mode: 'closed' | 'open';
  voters: number;
  offeredPerS: number | null;
  measuredS: number;
  /** Answers (ack or puback) that arrived inside the measured window. */
  acked: number;
  ackedPerS: number;
  /** Refusals (pivote reject frames); a healthy run has none. */
  rejected: number;
  /** Votes sent in the measured window never answered by the end of the drain. */
  unanswered: number;
  /** Send (intended send time, for open load) to answer, for votes sent in the measured window. */
  latencyMs: LatencySummary;
  /** Heartbeat round trips completed in the window (pivote only). */
  heartbeatRttMs: LatencySummary;
  /** Connections that closed during the phase. */
  dropped: number;
  /** The generator's own event-loop delay p99 in the window: if high, latencies include the generator. */
  generatorEventLoopP99Ms: number;
}

/** What one generator process sends back: its share, with the raw samples so that the
 *  harness can take percentiles over every process's samples together. */
export interface PhaseShare extends Omit<PhaseResult, 'latencyMs' | 'heartbeatRttMs' | 'ackedPerS'> {
  latencySamples: Float64Array;
  heartbeatSamples: Float64Array;
}

export interface ErrorEvent {
  ev: 'error';
  message: string;
}

export interface ClosedEvent {
  ev: 'closed';
}

export type GeneratorEvent = ConnectedEvent | PhaseShare | ErrorEvent | ClosedEvent;
