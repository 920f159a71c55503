import type { KioskCredentials } from './ipc.js';

/** Messages between the harness and the dashboard-watcher process (dashboard-watchers.ts). */

export interface WatchCommand {
  cmd: 'watch';
  httpUrl: string;
  token: string;
  /** Live event streams to hold open, as that many dashboards would. */
  streams: number;
  kioskHost: string;
  kioskPort: number;
  pollId: number;
  probes: KioskCredentials[];
  probeButton: number;
  /** Each probe kiosk votes this often (slow enough never to be flagged as repeated presses). */
  probeEveryMs: number;
}

export interface StopWatchCommand {
  cmd: 'stop';
}

export type WatcherCommand = WatchCommand | StopWatchCommand;

export type WatcherEvent =
  | { ev: 'watching'; streams: number; probes: number }
  | {
      ev: 'report';
      /** From each probe vote's ack to the first tally on a live stream that counts it, ms. */
      ackToStreamMs: number[];
      probeVotes: number;
      probeAcks: number;
      probeRefused: number;
      /** Events and bytes received over all streams, and streams that ended early. */
      events: number;
      bytes: number;
      streamsLost: number;
    }
  | { ev: 'error'; message: string };
