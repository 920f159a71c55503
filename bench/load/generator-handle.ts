import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readRssBytes, spawnProcess, stopProcess } from '../proc/processes.js';
import type { ConnectCommand, ConnectedEvent, GeneratorEvent, PhaseCommand, PhaseShare } from './ipc.js';

const GENERATOR_PATH = fileURLToPath(new URL('./generator.js', import.meta.url));

/** The harness's side of one load-generator process: one command at a time, awaited
 *  (generator-pool.ts runs several). */
export class GeneratorHandle {
  private waiting: { resolve: (e: GeneratorEvent) => void; reject: (err: Error) => void } | null = null;
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (event: GeneratorEvent) => {
      const w = this.waiting;
      this.waiting = null;
      if (!w) return;
      if (event.ev === 'error') w.reject(new Error(`load generator: ${event.message}`));
      else w.resolve(event);
    });
    child.stdout?.resume();
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(new Error(`load generator exited (code ${code}): ${this.stderr}`));
    });
  }

  /** Spawns the generator with a file-descriptor limit for `needFds` sockets. */
  static start(needFds: number): GeneratorHandle {
    return new GeneratorHandle(spawnProcess({ command: process.execPath, args: [GENERATOR_PATH], needFds, ipc: true }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  rssBytes(): number {
    return readRssBytes(this.pid);
  }

  async connect(cmd: Omit<ConnectCommand, 'cmd'>): Promise<ConnectedEvent> {
    return (await this.request({ cmd: 'connect', ...cmd })) as ConnectedEvent;
  }

  async phase(cmd: Omit<PhaseCommand, 'cmd'>): Promise<PhaseShare> {
    return (await this.request({ cmd: 'phase', ...cmd })) as PhaseShare;
  }

  /** Closes every connection and ends the process. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) {
      await this.request({ cmd: 'close' }).catch(() => undefined);
    }
    await stopProcess(this.child, 'SIGTERM', 5_000);
  }

  private request(cmd: object): Promise<GeneratorEvent> {
    if (this.waiting) throw new Error('load generator is busy');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send(cmd);
    });
  }
}
