import type { ChildProcess } from 'node:child_process';
import type { WireProtocol } from '../load/ipc.js';
import { askProbe, readCpuMs, readRssBytes, stopProcess, type ProbeStats } from '../proc/processes.js';

/** mosquitto: Mosquitto with mqtt.js clients; mosquitto-lean: the same broker, lean MQTT clients;
 *  baseline: another build of pivote (--baseline-cli), interleaved with this one for A/B gains. */
export type TargetName = 'pivote' | 'baseline' | 'ceiling' | 'mosquitto' | 'mosquitto-lean';

export const TARGET_NAMES: readonly TargetName[] = ['pivote', 'baseline', 'ceiling', 'mosquitto', 'mosquitto-lean'];

/** A server under test, running as its own process on 127.0.0.1. */
export interface Target {
  readonly name: TargetName;
  readonly protocol: WireProtocol;
  readonly port: number;
  readonly pid: number;
  rssBytes(): number;
  cpuMs(): number;
  /** Event-loop delay since the previous call (Node targets; null for Mosquitto). */
  probe(): Promise<ProbeStats | null>;
  /** pivote's HTTP side (dashboard, API, live events), once its log said where; else undefined. */
  http(): { url: string; tokenFile: string } | undefined;
  /** Several server processes on one database (a cluster): kiosk i connects to ports[i % n] and
   *  each pid's CPU is read on its own. Absent: the one process above. */
  readonly servers?: readonly { pid: number; port: number }[];
  /** CPU ms so far of what the servers depend on (the database's processes), absent when none. */
  backingCpuMs?(): number;
  stop(): Promise<void>;
}

export interface TargetStart {
  /** Per-run scratch directory (database, config, probe file, CPU profiles). */
  runDir: string;
  /** Sent in welcome (pivote, ceiling) / used as MQTT keepalive. */
  heartbeatMs: number;
  /** File descriptors the server needs: one per kiosk plus slack. */
  needFds: number;
  /** Write a V8 CPU profile of the server into runDir (Node targets). */
  cpuProf: boolean;
  /** Another build of the pivote CLI to bench (A/B comparisons); default the one compiled with the bench. */
  pivoteCli?: string;
}

export function processTarget(
  name: TargetName,
  protocol: WireProtocol,
  child: ChildProcess,
  port: number,
  probeFile: string | null,
  http: () => { url: string; tokenFile: string } | undefined = () => undefined,
): Target {
  const pid = child.pid!;
  return {
    http,
    name,
    protocol,
    port,
    pid,
    rssBytes: () => readRssBytes(pid),
    cpuMs: () => readCpuMs(pid),
    probe: () => (probeFile === null ? Promise.resolve(null) : askProbe(pid, probeFile)),
    async stop() {
      const code = await stopProcess(child);
      if (code !== 0 && code !== null) throw new Error(`${name} server exited with code ${code}`);
    },
  };
}
