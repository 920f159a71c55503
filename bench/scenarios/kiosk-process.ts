import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_PATH } from '../targets/node-targets.js';
import { readAnonRssBytes, readPeakRssBytes, readRssBytes, spawnProcess, stopProcess } from '../proc/processes.js';

/**
 * A real kiosk process (`pivote kiosk --gpio mock --mock-control`), driven through its stdin
 * ("press N") and observed through its stdout (one JSON event per LED change).
 */

interface LedEvent {
  type: 'led';
  led: number | 'status';
  value: number;
  atMs: number;
}

type ControlEvent = LedEvent | { type: 'connection'; status: string } | { type: 'stats'; acked: number; pending: number; rejected: number } | { type: string };

/** What one press showed: when the answer began, and which answer it was. */
export interface PressOutcome {
  /** From writing "press N" to the first LED change it caused (the answer display starting). */
  answerMs: number;
  /** The pressed LED's glow: ~1200 ms = confirmed, ~400 ms pulses = saved offline. */
  glowMs: number;
  confirmed: boolean;
}

export class KioskProcess {
  private readonly listeners = new Set<(e: ControlEvent, at: number) => void>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const at = performance.now();
      let e: ControlEvent;
      try {
        e = JSON.parse(line) as ControlEvent;
      } catch {
        return;
      }
      for (const l of [...this.listeners]) l(e, at);
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
  }

  static start(opts: { port: number; kioskId: string; secret: string; dataDir: string; nodeArgs: string[] }): KioskProcess {
    return new KioskProcess(
      spawnProcess({
        command: process.execPath,
        args: [...opts.nodeArgs, CLI_PATH, 'kiosk', '--gpio', 'mock', '--mock-control', '--server', `127.0.0.1:${opts.port}`, '--kiosk-id', opts.kioskId, '--secret', opts.secret, '--data-dir', opts.dataDir, '--log-level', 'warn'],
        stdin: true,
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  rssBytes(): number {
    return readRssBytes(this.pid);
  }

  anonRssBytes(): number {
    return readAnonRssBytes(this.pid);
  }

  peakRssBytes(): number {
    return readPeakRssBytes(this.pid);
  }

  /** Resolves with the first event `match` accepts (or rejects after `timeoutMs`). */
  waitFor<T>(match: (e: ControlEvent, at: number) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => finish(new Error(`kiosk exited (code ${code}) while waiting for ${what}: ${this.stderr}`));
      const timer = setTimeout(() => finish(new Error(`kiosk: no ${what} within ${timeoutMs} ms: ${this.stderr}`)), timeoutMs);
      const listener = (e: ControlEvent, at: number): void => {
        const hit = match(e, at);
        if (hit !== undefined) finish(undefined, hit);
      };
      const finish = (err?: Error, value?: T): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.listeners.add(listener);
      this.child.once('exit', onExit);
    });
  }

  waitOnline(timeoutMs: number): Promise<true> {
    return this.waitFor((e) => (e.type === 'connection' && (e as { status: string }).status === 'online' ? true : undefined), timeoutMs, 'online status');
  }

  /** Presses button `button` and follows the answer on its LED until the glow ends. */
  async press(button: number): Promise<PressOutcome> {
    const sentAt = performance.now();
    const answer = this.waitFor((e, at) => (e.type === 'led' && (e as LedEvent).led !== 'status' ? at : undefined), 10_000, 'LED answer');
    let onAt: number | null = null;
    const glow = this.waitFor(
      (e) => {
        if (e.type !== 'led' || (e as LedEvent).led !== button) return undefined;
        const led = e as LedEvent;
        if (led.value === 1 && onAt === null) onAt = led.atMs;
        else if (led.value === 0 && onAt !== null) return led.atMs - onAt;
        return undefined;
      },
      10_000,
      `LED ${button} glow`,
    );
    this.child.stdin!.write(`press ${button}\n`);
    const answerAt = await answer;
    const glowMs = await glow;
    return { answerMs: answerAt - sentAt, glowMs, confirmed: glowMs >= 1_000 };
  }

  async stats(): Promise<{ acked: number; pending: number; rejected: number }> {
    const p = this.waitFor((e) => (e.type === 'stats' ? (e as { acked: number; pending: number; rejected: number }) : undefined), 5_000, 'stats');
    this.child.stdin!.write('stats\n');
    return p;
  }

  async stop(): Promise<void> {
    await stopProcess(this.child, 'SIGTERM', 10_000);
  }
}
