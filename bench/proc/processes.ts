import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

/** Spawning and watching the processes under test: fd limits, ready lines, RSS, CPU, stop. */

export interface FdLimits {
  soft: number;
  hard: number;
}

export function fdLimits(): FdLimits {
  const out = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const parse = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
  return { soft: parse(out[0]), hard: parse(out[1]) };
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** File descriptors the process needs (one per connection); the soft limit is raised to it. */
  needFds?: number;
  /** Also open an IPC channel (for node children); structured-clone serialization, so typed
   *  arrays (latency samples) cross it as they are. */
  ipc?: boolean;
  /** Give the child a stdin pipe (default: no stdin). */
  stdin?: boolean;
}

/**
 * Spawns with stdout/stderr piped. When the soft fd limit is too low for `needFds`, the process
 * is started through `sh -c 'ulimit -n N; exec …'` (exec keeps the pid, so /proc/<pid> stays it).
 */
export function spawnProcess(spec: SpawnSpec): ChildProcess {
  const limits = fdLimits();
  const stdio: ('ignore' | 'pipe' | 'ipc')[] = [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  if (spec.ipc) stdio.push('ipc');
  const env = { ...process.env, ...spec.env };
  const serialization = spec.ipc ? ('advanced' as const) : ('json' as const);
  if (spec.needFds !== undefined && spec.needFds > limits.soft) {
    const n = Math.min(limits.hard, spec.needFds);
    return spawn('sh', ['-c', `ulimit -n ${n} && exec "$0" "$@"`, spec.command, ...spec.args], { stdio, env, serialization });
  }
  return spawn(spec.command, spec.args, { stdio, env, serialization });
}

/** Resolves with the first stdout JSON line matching `match`; rejects on exit or timeout. */
export function waitForJsonLine<T>(child: ChildProcess, match: (line: Record<string, unknown>) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const stderr: string[] = [];
    const onErr = (chunk: Buffer): void => void stderr.push(chunk.toString());
    child.stderr?.on('data', onErr);
    const done = (): void => {
      clearTimeout(timer);
      rl.close();
      child.off('exit', onExit);
      child.stderr?.off('data', onErr);
      // Keep draining output so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`${what} exited (code ${code}) before it was ready: ${stderr.join('').slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} not ready within ${timeoutMs} ms: ${stderr.join('').slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', onExit);
    rl.on('line', (line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (value === null || typeof value !== 'object') return;
      const hit = match(value as Record<string, unknown>);
      if (hit !== undefined) {
        done();
        resolve(hit);
      }
    });
  });
}

/** Sends `signal`, waits for the exit, SIGKILLs after `graceMs`. Resolves with the exit code. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS), in bytes. */
export function readRssBytes(pid: number): number {
  return readStatusKb(pid, 'VmRSS') * 1024;
}

/** Peak resident set size so far (VmHWM), in bytes. */
export function readPeakRssBytes(pid: number): number {
  return readStatusKb(pid, 'VmHWM') * 1024;
}

/** Private (anonymous) resident memory: RSS without the node binary's and libraries' file pages. */
export function readAnonRssBytes(pid: number): number {
  return readStatusKb(pid, 'RssAnon') * 1024;
}

function readStatusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]);
}

let clockTicks: number | undefined;

/** The unit of the CPU times in /proc (USER_HZ). */
export function clockTicksPerS(): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return clockTicks;
}

/** User + system CPU time of a process so far, in ms (from /proc/<pid>/stat). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerS();
}

/** A free loopback port (bound and released; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ProbeStats {
  n: number;
  eventLoopDelayMs: { count: number; p50: number; p99: number; max: number; mean: number };
  memory: NodeJS.MemoryUsage;
}

/** Asks a process running proc/eld-probe.js for its stats since the last ask (SIGUSR2). */
export async function askProbe(pid: number, file: string, timeoutMs = 5_000): Promise<ProbeStats> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`pid ${pid} did not answer the stats probe`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ProbeStats;
}
