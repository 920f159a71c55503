import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { HistoryEntry } from '../../src/gpio/index.js';
import type { ControlEvent } from '../../src/kiosk/app/mock-control.js';
import { CLI, ROOT } from './build.js';

/**
 * Real `pivote` processes for the end-to-end tests: a server whose port is read from its
 * "listening" log line, and kiosks with mock GPIO driven through `--mock-control`. Every process
 * started here is tracked; `killAll()` (afterEach) SIGKILLs whatever still runs and waits for it.
 */

const running = new Set<ChildProcess>();
const DEFAULT_WAIT_MS = 8000;

export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => killAndWait(p, 'SIGKILL')));
}

function exited(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}

async function killAndWait(p: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const done = exited(p);
  if (p.exitCode === null && p.signalCode === null) p.kill(signal);
  return done;
}

function track(args: string[]): ChildProcess {
  const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(p);
  p.once('exit', () => running.delete(p));
  return p;
}

/** Resolves when `check` returns something other than undefined, re-checking on every `changed()`. */
class Waiters {
  private readonly list = new Set<() => void>();
  changed(): void {
    for (const w of [...this.list]) w();
  }
  wait<T>(check: () => T | undefined, what: string, timeoutMs: number, onTimeout: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          cleanup();
          reject(err as Error);
          return;
        }
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${onTimeout()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.list.delete(attempt);
      };
      this.list.add(attempt);
      attempt();
    });
  }
}

export interface ServerProcess {
  port: number;
  /** The dashboard and HTTP API (`http://127.0.0.1:<port>`), on a free port. */
  httpUrl: string;
  /** The admin token file the server made beside its database. */
  tokenFile: string;
  process: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: string[];
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | null>;
}

export async function startServerProcess(db: string, port = 0, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const p = track(['server', '--host', '127.0.0.1', '--port', String(port), '--http-port', '0', '--db', db, '--log-level', 'info', ...extraArgs]);
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Waiters();
  createInterface({ input: p.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ raw: line });
    }
    waiters.changed();
  });
  p.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  p.once('exit', () => waiters.changed());
  const listening = await waiters.wait(
    () => {
      const kiosks = logs.find((l) => l.msg === 'listening for kiosks' && typeof l.port === 'number');
      const http = logs.find((l) => l.msg === 'dashboard and HTTP API listening' && typeof l.url === 'string');
      if (kiosks && http) return { port: kiosks.port as number, httpUrl: http.url as string, tokenFile: http.tokenFile as string };
      if (p.exitCode !== null) throw new Error(`server exited (${p.exitCode}) before listening: ${stderr.join('')}`);
      return undefined;
    },
    'the server to listen',
    DEFAULT_WAIT_MS,
    () => `stdout: ${JSON.stringify(logs)}\nstderr: ${stderr.join('')}`,
  );
  return { ...listening, process: p, logs, stderr, stop: () => killAndWait(p, 'SIGTERM') };
}

interface KioskProcessCommon {
  dataDir: string;
  lockoutMs?: number;
  /** Default debug. */
  logLevel?: string;
}

/** By flags (default wiring), or from a kiosk config file (for keys no flag sets, e.g. lockoutMs). */
export type KioskProcessOptions = KioskProcessCommon & ({ server: string | readonly string[]; kioskId: string; secret: string } | { config: string });

type Led = number | 'status';

export class KioskProcess {
  readonly events: ControlEvent[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Waiters();

  constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ControlEvent);
      } catch {
        this.events.push({ type: 'error', message: `not JSON on stdout: ${line}` });
      }
      this.waiters.changed();
    });
    process.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    process.once('exit', () => this.waiters.changed());
  }

  static start(options: KioskProcessOptions): KioskProcess {
    const identity = 'config' in options
      ? ['--config', options.config]
      : [...[options.server].flat().flatMap((s) => ['--server', s]), '--kiosk-id', options.kioskId, '--secret', options.secret];
    const args = [
      'kiosk', '--gpio', 'mock', '--mock-control', ...identity, '--data-dir', options.dataDir,
      '--reconnect-max-ms', '400', '--log-level', options.logLevel ?? 'debug',
    ];
    return new KioskProcess(track(args));
  }

  /** The output history of one LED as the mock would record it. */
  history(led: Led): HistoryEntry[] {
    return this.events.flatMap((e) => (e.type === 'led' && e.led === led ? [{ atMs: e.atMs, value: e.value }] : []));
  }

  /** Time of the latest LED event (kiosk clock), to look at history from "now" on. */
  lastLedAtMs(): number {
    const last = this.events.filter((e) => e.type === 'led').at(-1);
    return last?.type === 'led' ? last.atMs : 0;
  }

  isLit(led: Led): boolean {
    return this.history(led).at(-1)?.value === 1;
  }

  get connection(): string | undefined {
    const last = this.events.filter((e) => e.type === 'connection').at(-1);
    return last?.type === 'connection' ? last.status : undefined;
  }

  until<T>(check: () => T | undefined | false, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return this.waiters.wait(
      () => {
        const v = check();
        if (v !== undefined && v !== false) return v;
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
          throw new Error(`kiosk exited (${this.process.exitCode ?? this.process.signalCode}) while waiting for ${what}\n${this.stderr.join('')}`);
        }
        return undefined;
      },
      what,
      timeoutMs,
      () => `events: ${JSON.stringify(this.events.slice(-30))}\nstderr tail: ${this.stderr.join('').slice(-3000)}`,
    );
  }

  /** Re-checks `check` every `everyMs` too (for conditions on time passing, not on new events). */
  async untilPolled<T>(check: () => T | undefined | false, what: string, timeoutMs = DEFAULT_WAIT_MS, everyMs = 100): Promise<T> {
    const ticker = setInterval(() => this.waiters.changed(), everyMs);
    try {
      return await this.until(check, what, timeoutMs);
    } finally {
      clearInterval(ticker);
    }
  }

  send(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  /** Presses button n and resolves once the kiosk has handled the press. */
  async press(button: number): Promise<void> {
    const from = this.events.length;
    this.send(`press ${button}`);
    await this.until(() => this.events.slice(from).some((e) => e.type === 'ok' && e.command === `press ${button}`), `press ${button}`);
  }

  async stats(): Promise<Extract<ControlEvent, { type: 'stats' }>> {
    const from = this.events.length;
    this.send('stats');
    return this.until(() => {
      const e = this.events.slice(from).find((x) => x.type === 'stats');
      return e?.type === 'stats' ? e : undefined;
    }, 'stats');
  }

  /** Asks for stats until `check` holds. */
  async statsUntil(check: (s: Extract<ControlEvent, { type: 'stats' }>) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.stats();
      if (check(s)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last stats ${JSON.stringify(s)}\n${this.stderr.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  ready(): Promise<Extract<ControlEvent, { type: 'ready' }>> {
    return this.until(() => {
      const e = this.events.find((x) => x.type === 'ready');
      return e?.type === 'ready' ? e : undefined;
    }, 'ready');
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    return killAndWait(this.process, signal);
  }

  exited(): Promise<number | null> {
    return exited(this.process);
  }
}
