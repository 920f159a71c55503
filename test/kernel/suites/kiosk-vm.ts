import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Bit } from '../../../src/gpio/index.js';
import { CLI, isBuildFresh, ROOT } from '../../e2e/build.js';
import { sleep } from './vm-env.js';

/**
 * Real `pivote` processes inside the test VM: one-shot commands (fleet add, poll open, results),
 * the server, and a kiosk on real GPIO (chardev or onoff), whose JSON logs are collected.
 * Everything started here is tracked; `killPivotes()` (afterEach) SIGKILLs whatever still runs
 * and waits for it.
 *
 * The tree is read-only in the VM, so dist/ cannot be built here: run.sh builds it on the host
 * before booting.
 */

export const RUN_TIMEOUT_MS = 30_000;
/** Node starts in ~3 s under TCG; a kiosk connects a few seconds later. Generous for slow CI. */
export const KIOSK_WAIT_MS = 20_000;

const running = new Set<ChildProcess>();

/**
 * run.sh builds dist/ when stale and says so with PIVOTE_KERNEL_DIST_CHECKED=1; then only its
 * existence is checked here, because in a tree others keep editing a source file may well
 * become newer than dist/ while the VM runs (the build as of the start of the run is tested).
 */
export function assertBuildFresh(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run test:kernel builds it on the host before the VM boots (npm run build)`);
  if (process.env['PIVOTE_KERNEL_DIST_CHECKED'] !== '1' && !isBuildFresh()) {
    throw new Error(`${CLI} is missing or older than src/: npm run test:kernel builds it on the host before the VM boots (npm run build)`);
  }
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
}

function spawnPivote(args: readonly string[], stdin: 'ignore' | 'pipe'): ChildProcess {
  const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
  running.add(p);
  p.once('exit', () => running.delete(p));
  return p;
}

export async function killPivotes(): Promise<void> {
  await Promise.all(
    [...running].map(async (p) => {
      const done = exited(p);
      p.kill('SIGKILL');
      await done;
    }),
  );
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pivote ...args` to completion (bounded). */
export async function runPivote(args: readonly string[], timeoutMs = RUN_TIMEOUT_MS): Promise<RunResult> {
  const p = spawnPivote(args, 'ignore');
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  p.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  try {
    const { code, signal } = await exited(p);
    if (signal !== null) throw new Error(`pivote ${args.join(' ')}: killed by ${signal} (timeout ${timeoutMs} ms?)\n${stdout}\n${stderr}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command that must succeed and print JSON; returns the parsed output. */
export async function pivoteJson<T>(args: readonly string[]): Promise<T> {
  const r = await runPivote(args);
  if (r.code !== 0) throw new Error(`pivote ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** Polls `check` until it returns something other than undefined/false, or times out naming `what`. */
export async function pollUntil<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs: number,
  detail: () => string = () => '',
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await sleep(everyMs);
  }
}

export interface VmServer {
  port: number;
  logs: LogLine[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `pivote server` on 127.0.0.1 and a free port, read from its "listening" log line. Like
 * test/e2e/processes.ts's startServerProcess, but with a wait that suits node under TCG on a
 * busy host (its 8 s is too short there).
 */
export async function startVmServer(db: string): Promise<VmServer> {
  const p = spawnPivote(['server', '--host', '127.0.0.1', '--port', '0', '--no-http', '--db', db, '--log-level', 'info'], 'ignore');
  const logs: LogLine[] = [];
  let stderr = '';
  createInterface({ input: p.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ msg: `(not JSON) ${line}` });
    }
  });
  p.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await pollUntil(
    () => {
      const line = logs.find((l) => l.msg === 'listening for kiosks' && typeof l.port === 'number');
      if (line !== undefined) return line.port as number;
      if (p.exitCode !== null || p.signalCode !== null) throw new Error(`the server exited (${p.exitCode ?? p.signalCode}) before listening: ${stderr}`);
      return undefined;
    },
    'the server to listen',
    KIOSK_WAIT_MS,
    () => `server logs: ${JSON.stringify(logs)}\nserver stderr: ${stderr}`,
  );
  return {
    port,
    logs,
    async stop() {
      const done = exited(p);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
      return (await done).code;
    },
  };
}

/** `pivote kiosk --config FILE --gpio KIND`, logging JSON lines on stdout. */
export class RealKiosk {
  readonly logs: LogLine[] = [];
  private stderr = '';

  private constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: `(not JSON) ${line}` });
      }
    });
    process.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  static start(configPath: string, gpio: string): RealKiosk {
    return new RealKiosk(spawnPivote(['kiosk', '--config', configPath, '--gpio', gpio, '--log-level', 'info'], 'ignore'));
  }

  logged(msg: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg);
  }

  /** For failure messages: the last log lines and stderr. */
  tail(): string {
    return `kiosk logs:\n${this.logs.slice(-25).map((l) => JSON.stringify(l)).join('\n')}\nkiosk stderr:\n${this.stderr.slice(-3000)}`;
  }

  /** Waits for `check`, failing at once if the kiosk exits meanwhile. */
  until<T>(check: () => T | undefined | false, what: string, timeoutMs = KIOSK_WAIT_MS): Promise<T> {
    return pollUntil(
      () => {
        const v = check();
        if (v !== undefined && v !== false) return v;
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
          throw new Error(`the kiosk exited (${this.process.exitCode ?? this.process.signalCode}) while waiting for ${what}\n${this.tail()}`);
        }
        return undefined;
      },
      what,
      timeoutMs,
      () => this.tail(),
    );
  }

  /** Sends the signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const done = exited(this.process);
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return done;
  }
}

/** One look at the kiosk's LED lines through gpio-sim. */
export interface LedSample {
  atMs: number;
  /** Option LEDs in button order. */
  options: Bit[];
  status: Bit;
}

export interface AnswerSeen {
  /** How long the pressed button's LED was seen lit alone (the other option LEDs dark). */
  litAloneMs: number;
  samples: LedSample[];
}

/**
 * Samples the LEDs until button `button`'s answer has played and the idle display (every option
 * LED lit) is back. An answer darkens the other option LEDs, then plays on the pressed one:
 * "confirmed" keeps it lit 1200 ms, "saved, will send" 400 ms at a time. The longest stretch it
 * was seen lit alone tells them apart (the first few ms, before the pattern's dark lead-in, it
 * is also lit alone: the other LEDs go dark first).
 */
export async function watchAnswer(read: () => LedSample, button: number, timeoutMs: number, everyMs = 10): Promise<AnswerSeen> {
  const samples: LedSample[] = [];
  const i = button - 1;
  let litFrom: number | undefined;
  let litAloneMs: number | undefined;
  await pollUntil(
    () => {
      const s = read();
      samples.push(s);
      const alone = s.options[i] === 1 && s.options.every((v, j) => j === i || v === 0);
      if (alone) {
        litFrom ??= s.atMs;
        return undefined;
      }
      if (litFrom !== undefined) {
        litAloneMs = Math.max(litAloneMs ?? 0, s.atMs - litFrom);
        litFrom = undefined;
      }
      return litAloneMs !== undefined && s.options.every((v) => v === 1);
    },
    `LED ${button} to play its answer and the idle display to return`,
    timeoutMs,
    () => `samples (last 40): ${JSON.stringify(samples.slice(-40))}`,
    everyMs,
  );
  return { litAloneMs: litAloneMs ?? 0, samples };
}
