import { join } from 'node:path';
import { ensureTokenFile } from '../../src/admin/admin-token.js';
import type { ProbeStats } from '../proc/processes.js';
import { startPivoteOn } from './node-targets.js';
import type { Target, TargetStart } from './target.js';

/**
 * `servers` × `pivote server --db postgres://…` on one database, as one target: kiosk i connects
 * to server i % servers (session.ts passes the ports to the load generators), each server's CPU
 * is read on its own and the database's processes together (backingCpuMs).
 */
export async function startPivoteCluster(start: TargetStart, url: string, servers: number, databaseCpuMs: () => number): Promise<Target> {
  // The servers share one admin token file, as a deployment does; made here so that they do not
  // race to create it.
  const tokenFile = join(start.runDir, 'admin-token');
  ensureTokenFile(tokenFile);
  const started = await Promise.allSettled(
    Array.from({ length: servers }, (_, i) => startPivoteOn(start, url, ['--admin-token-file', tokenFile], 'pivote', `pivote-${i + 1}`)),
  );
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(up.map((t) => t.stop()));
    throw failed.reason;
  }
  const first = up[0]!;
  return {
    name: 'pivote',
    protocol: 'pivote',
    port: first.port,
    pid: first.pid,
    servers: up.map((t) => ({ pid: t.pid, port: t.port })),
    backingCpuMs: databaseCpuMs,
    rssBytes: () => up.reduce((n, t) => n + t.rssBytes(), 0),
    cpuMs: () => up.reduce((n, t) => n + t.cpuMs(), 0),
    // The worst event loop of the servers.
    async probe() {
      const all = (await Promise.all(up.map((t) => t.probe()))).filter((p): p is ProbeStats => p !== null);
      return all.reduce<ProbeStats | null>((worst, p) => (worst === null || p.eventLoopDelayMs.p99 > worst.eventLoopDelayMs.p99 ? p : worst), null);
    },
    http: () => first.http(),
    async stop() {
      const stopped = await Promise.allSettled(up.map((t) => t.stop()));
      const err = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (err !== undefined) throw err.reason;
    },
  };
}
