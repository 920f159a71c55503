import type { ChildProcess } from 'node:child_process';
import { readRssBytes } from './processes.js';

/**
 * The harness's side of a helper process spoken to over its IPC channel: one command at a time,
 * answered by one event; an `{ ev: 'error' }` event or the process's exit rejects the command
 * waiting (with the end of its stderr, so a crash says why).
 */
export class IpcChild<E extends { ev: string }> {
  private waiting: { resolve: (e: E) => void; reject: (err: Error) => void } | null = null;
  private stderr = '';

  constructor(
    readonly child: ChildProcess,
    private readonly what: string,
  ) {
    child.on('message', (event: E) => {
      const w = this.waiting;
      this.waiting = null;
      if (!w) return;
      if (event.ev === 'error') w.reject(new Error(`${what}: ${(event as unknown as { message: string }).message}`));
      else w.resolve(event);
    });
    child.stdout?.resume();
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(new Error(`${what} exited (code ${code}): ${this.stderr}`));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  rssBytes(): number {
    return readRssBytes(this.pid);
  }

  request(cmd: object): Promise<E> {
    if (this.waiting) throw new Error(`${this.what} is busy`);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send(cmd);
    });
  }
}
