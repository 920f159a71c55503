import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IpcChild } from '../proc/ipc-child.js';
import { readCpuMs, spawnProcess, stopProcess } from '../proc/processes.js';
import type { WatchCommand, WatcherEvent } from './dashboard-ipc.js';

const WATCHERS_PATH = fileURLToPath(new URL('./dashboard-watchers.js', import.meta.url));

export type WatchReport = Extract<WatcherEvent, { ev: 'report' }>;

/** The harness's side of the dashboard-watcher process. */
export class DashboardWatchers {
  private constructor(private readonly ipc: IpcChild<WatcherEvent>) {}

  /** Starts the process and its streams and probes; resolves once every stream had its snapshot. */
  static async start(cmd: Omit<WatchCommand, 'cmd' | 'token'> & { tokenFile: string }): Promise<DashboardWatchers> {
    const child = spawnProcess({ command: process.execPath, args: [WATCHERS_PATH], needFds: cmd.streams + cmd.probes.length + 64, ipc: true });
    const w = new DashboardWatchers(new IpcChild<WatcherEvent>(child, 'dashboard watchers'));
    const { tokenFile, ...rest } = cmd;
    await w.ipc.request({ cmd: 'watch', ...rest, token: readFileSync(tokenFile, 'utf8').trim() });
    return w;
  }

  get pid(): number {
    return this.ipc.pid;
  }

  cpuMs(): number {
    return readCpuMs(this.pid);
  }

  rssBytes(): number {
    return this.ipc.rssBytes();
  }

  async stop(): Promise<WatchReport> {
    const report = (await this.ipc.request({ cmd: 'stop' })) as WatchReport;
    await stopProcess(this.ipc.child, 'SIGTERM', 5_000);
    return report;
  }
}
