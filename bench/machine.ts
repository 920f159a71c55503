import { closeSync, fsyncSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { summarize, type LatencySummary } from './stats.js';

/** The machine the figures came from, as the report prints it. */
export interface MachineInfo {
  cpuModel: string;
  nproc: number;
  ramGB: number;
  node: string;
  os: string;
  /** 1-minute load average before and after the bench: > ~0.5 means others were busy too. */
  loadBefore: number;
  loadAfter: number | null;
  /** write(4 KiB) + fsync on the scratch disk: the floor under every durable ack. */
  fsyncMs: LatencySummary;
  fsType: string;
  /** cpuCalibration() before and after the run: how fast one core of this machine was. */
  calibration: { before: number; after: number | null };
}

/**
 * A fixed single-thread workload (frame a vote, parse it, answer it, as the servers do), in
 * iterations per second: the median of 5 rounds of ~100 ms. It moves with the machine's speed,
 * so two results files can be told apart by how fast their machine was.
 */
export function cpuCalibration(): number {
  const rounds: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < 100) {
      for (let i = 0; i < 200; i++) {
        const frame = `{"type":"vote","voteId":"k-${n}-${i}","seq":${i},"pollId":1,"button":${(i % 4) + 1},"ageMs":0}`;
        const v = JSON.parse(frame) as { voteId: string; seq: number };
        sink += JSON.stringify({ type: 'ack', voteId: v.voteId, seq: v.seq, status: 'stored', flagged: false }).length;
      }
      n += 200;
      now = performance.now();
    }
    rounds.push((n / (now - start)) * 1000);
  }
  if (sink === 0) throw new Error('unreachable');
  return rounds.sort((a, b) => a - b)[2]!;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

const TMPFS_MAGIC = 0x01021994;

export function isTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/** Times `n` write+fsync pairs of 4 KiB on `dir`'s disk. */
export function probeFsync(dir: string, n = 200): LatencySummary {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const samples = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      writeSync(fd, block, 0, block.length, (i % 16) * 4096);
      fsyncSync(fd);
      samples[i] = performance.now() - t;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return summarize(samples);
}

export function machineInfo(workDir: string): MachineInfo {
  return {
    cpuModel: cpuModel(),
    nproc: os.availableParallelism(),
    ramGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadBefore: os.loadavg()[0]!,
    loadAfter: null,
    fsyncMs: probeFsync(workDir),
    fsType: isTmpfs(workDir) ? 'tmpfs' : 'disk',
    calibration: { before: cpuCalibration(), after: null },
  };
}
