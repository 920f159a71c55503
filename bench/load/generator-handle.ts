import { fileURLToPath } from 'node:url';
import { IpcChild } from '../proc/ipc-child.js';
import { spawnProcess, stopProcess } from '../proc/processes.js';
import type { ConnectCommand, ConnectedEvent, GeneratorEvent, PhaseCommand, PhaseShare } from './ipc.js';

const GENERATOR_PATH = fileURLToPath(new URL('./generator.js', import.meta.url));

/** The harness's side of one load-generator process: one command at a time, awaited
 *  (generator-pool.ts runs several). */
export class GeneratorHandle {
  private constructor(private readonly ipc: IpcChild<GeneratorEvent>) {}

  /** Spawns the generator with a file-descriptor limit for `needFds` sockets. */
  static start(needFds: number): GeneratorHandle {
    return new GeneratorHandle(new IpcChild<GeneratorEvent>(spawnProcess({ command: process.execPath, args: [GENERATOR_PATH], needFds, ipc: true }), 'load generator'));
  }

  get pid(): number {
    return this.ipc.pid;
  }

  rssBytes(): number {
    return this.ipc.rssBytes();
  }

  async connect(cmd: Omit<ConnectCommand, 'cmd'>): Promise<ConnectedEvent> {
    return (await this.ipc.request({ cmd: 'connect', ...cmd })) as ConnectedEvent;
  }

  async phase(cmd: Omit<PhaseCommand, 'cmd'>): Promise<PhaseShare> {
    return (await this.ipc.request({ cmd: 'phase', ...cmd })) as PhaseShare;
  }

  /** Closes every connection and ends the process. */
  async close(): Promise<void> {
    const child = this.ipc.child;
    if (child.exitCode === null && child.connected) {
      await this.ipc.request({ cmd: 'close' }).catch(() => undefined);
    }
    await stopProcess(child, 'SIGTERM', 5_000);
  }
}
