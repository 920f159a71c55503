import { readdirSync, readFileSync } from 'node:fs';
import { clockTicksPerS } from './processes.js';

/**
 * CPU time read from /proc at the edges of a measured window: the server (its main thread and
 * the others: the store's thread, V8's and libuv's helpers), every load-generator process, and
 * the whole machine (which includes whatever else ran on it meanwhile). With several servers
 * (a cluster on one database), each server's own, and the database's processes together.
 */

export interface CpuSnapshot {
  atMs: number;
  /** Every server process together; the first one's main thread. */
  serverMs: number;
  serverMainMs: number;
  serverEachMs: number[];
  generatorMs: number[];
  /** The processes the servers depend on (PostgreSQL), 0 when none. */
  backingMs: number;
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
  /** Each server process, in the order given (one entry for a single server). */
  serverEachPct: number[];
  /** The database's processes together (0 without one). */
  backingPct: number;
  /** Every process on the machine, in % of one core (nproc × 100 = all busy). */
  machineBusyPct: number;
}

/** The fields of /proc/<pid>/stat after the ")" that closes the command name: index 0 is
 *  field 3 (state), 1 the parent's pid, 11 and 12 utime and stime, 13 and 14 the CPU time of
 *  children already reaped (cutime, cstime). */
function statFields(statText: string): string[] {
  return statText.slice(statText.lastIndexOf(')') + 2).split(' ');
}

const ticksToMs = (ticks: number): number => (ticks * 1000) / clockTicksPerS();

function statTimesMs(statText: string): number {
  const fields = statFields(statText);
  return ticksToMs(Number(fields[11]) + Number(fields[12]));
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

/**
 * CPU time of a process and its direct children, in ms: its own, its children's still running,
 * and those it has reaped (cutime/cstime). A child that exits between two readings moves from
 * the second term to the third, so the difference of two readings loses nothing. PostgreSQL's
 * postmaster forks one backend per connection and its background workers this way.
 */
export function processTreeCpuMs(rootPid: number): number {
  let root: string[];
  try {
    root = statFields(readFileSync(`/proc/${rootPid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  const parent = String(rootPid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fields: string[];
    try {
      fields = statFields(readFileSync(`/proc/${entry}/stat`, 'utf8'));
    } catch {
      continue; // exited while we looked
    }
    if (fields[1] === parent) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticksToMs(ticks);
}

/** `backingMs`: CPU ms of what the servers depend on (the database), read at the same moment. */
export function cpuSnapshot(serverPids: readonly number[], generatorPids: readonly number[], backingMs: () => number = () => 0): CpuSnapshot {
  const serverEachMs = serverPids.map(processMs);
  return {
    atMs: performance.now(),
    serverMs: serverEachMs.reduce((a, b) => a + b, 0),
    serverMainMs: serverPids[0] === undefined ? 0 : mainThreadMs(serverPids[0]),
    serverEachMs,
    generatorMs: generatorPids.map(processMs),
    backingMs: backingMs(),
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
    serverEachPct: b.serverEachMs.map((ms, i) => pct(ms - (a.serverEachMs[i] ?? 0))),
    backingPct: pct(b.backingMs - a.backingMs),
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
