import { readdirSync, readFileSync } from 'node:fs';
import { clockTicksPerS } from './processes.js';

/**
 * CPU time read from /proc at the edges of a measured window: the server (its main thread and
 * the others: the store's thread, V8's and libuv's helpers), every load-generator process, and
 * the whole machine (which includes whatever else ran on it meanwhile).
 */

export interface CpuSnapshot {
  atMs: number;
  serverMs: number;
  serverMainMs: number;
  generatorMs: number[];
  machineBusyMs: number;
}

export interface CpuWindow {
  /** % of one core over the window (100 = one core busy all along). */
  serverPct: number;
  /** The server's main (event-loop) thread alone, and every other thread of it. */
  serverMainPct: number;
  serverOtherPct: number;
  /** All generator processes together, and the busiest one. */
  generatorPct: number;
  generatorMaxPct: number;
  /** Every process on the machine, in % of one core (nproc × 100 = all busy). */
  machineBusyPct: number;
}

function statTimesMs(statText: string): number {
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerS();
}

function processMs(pid: number): number {
  try {
    return statTimesMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return 0; // it has exited
  }
}

function mainThreadMs(pid: number): number {
  try {
    return statTimesMs(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
}

/** Busy (non-idle, non-iowait) CPU time of the whole machine, from the first line of /proc/stat. */
export function machineBusyMs(): number {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = first.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is inside user.
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
  return (busy * 1000) / clockTicksPerS();
}

export function cpuSnapshot(serverPid: number, generatorPids: readonly number[]): CpuSnapshot {
  return {
    atMs: performance.now(),
    serverMs: processMs(serverPid),
    serverMainMs: mainThreadMs(serverPid),
    generatorMs: generatorPids.map(processMs),
    machineBusyMs: machineBusyMs(),
  };
}

export function cpuWindow(a: CpuSnapshot, b: CpuSnapshot): CpuWindow {
  const pct = (ms: number): number => (ms / Math.max(1, b.atMs - a.atMs)) * 100;
  const gens = b.generatorMs.map((ms, i) => pct(ms - (a.generatorMs[i] ?? 0)));
  const serverPct = pct(b.serverMs - a.serverMs);
  const serverMainPct = pct(b.serverMainMs - a.serverMainMs);
  return {
    serverPct,
    serverMainPct,
    serverOtherPct: Math.max(0, serverPct - serverMainPct),
    generatorPct: gens.reduce((s, x) => s + x, 0),
    generatorMaxPct: gens.length === 0 ? 0 : Math.max(...gens),
    machineBusyPct: pct(b.machineBusyMs - a.machineBusyMs),
  };
}

/** Thread ids of a process (for the profile notes: which thread is the store's). */
export function threadIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}
