import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AnswerReader, readSeq } from '../../bench/load/answer-reader.js';
import { split, splitRate } from '../../bench/load/generator-pool.js';
import { processTreeCpuMs, type CpuWindow } from '../../bench/proc/cpu.js';
import { readCpuMs } from '../../bench/proc/processes.js';
import { limitedBy } from '../../bench/scenarios/session.js';
import { medianSweep, type LatencyPoint } from '../../bench/scenarios/latency.js';
import { summarizeAll } from '../../bench/stats.js';

describe('bench load generator', () => {
  const ack = (seq: number): string => JSON.stringify({ type: 'ack', voteId: `k-${seq}`, seq, status: 'stored', flagged: false }) + '\n';
  const reject = (seq: number): string => JSON.stringify({ type: 'reject', voteId: `k-${seq}`, seq, code: 'PV_POLL_CLOSED', message: 'closed' }) + '\n';

  it('reads seq out of acks and rejects, and hands any other frame over parsed, at every split point', () => {
    const text = ack(7) + '{"type":"heartbeat_ack","serverTime":5}\n' + reject(12345) + ack(0);
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const reader = new AnswerReader(1024);
      const answers: [number, boolean][] = [];
      const others: unknown[] = [];
      // The reader's input buffer is reused between reads, as with onread: copy into one.
      const shared = Buffer.alloc(bytes.length + 16, 0x78);
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        part.copy(shared);
        expect(reader.push(shared, part.length, (seq, ok) => answers.push([seq, ok]), (f) => others.push(f))).toBeNull();
      }
      expect(answers).toEqual([[7, true], [12345, false], [0, true]]);
      expect(others).toEqual([{ type: 'heartbeat_ack', serverTime: 5 }]);
    }
  });

  it('says what is wrong with a frame it cannot read', () => {
    const noop = (): void => undefined;
    const r = (text: string, max = 1024): string | null => new AnswerReader(max).push(Buffer.from(text), Buffer.byteLength(text), noop, noop);
    expect(r('{"type":"ack","voteId":"x"}\n')).toBe('answer without seq');
    expect(r('not json\n')).toBe('not JSON');
    expect(r('x'.repeat(40), 32)).toBe('frame too large');
    expect(readSeq(Buffer.from('{"seq":42}'), 0, 10)).toBe(42);
    expect(readSeq(Buffer.from('{"seq":42}'), 0, 5)).toBe(-1);
  });

  it('splits kiosks, voters and rate over the generator processes', () => {
    expect(split(1000, 2)).toEqual([500, 500]);
    expect(split(5, 2)).toEqual([3, 2]);
    expect(split(1, 3)).toEqual([1, 0, 0]);
    expect(splitRate(10_000, [3, 2])).toEqual([6_000, 4_000]);
    expect(splitRate(10, [0, 0])).toEqual([0, 0]);
  });

  it('takes percentiles over every process\'s samples together', () => {
    const s = summarizeAll([Float64Array.from([1, 2, 3]), Float64Array.from([100]), new Float64Array(0)]);
    expect(s.count).toBe(4);
    expect(s.max).toBe(100);
    expect(s.p50).toBe(2);
  });

  it('says the generator or the machine was the limit, not the server', () => {
    const cpu = (c: Partial<CpuWindow>): CpuWindow => ({ serverPct: 90, serverMainPct: 60, serverOtherPct: 30, generatorPct: 60, generatorMaxPct: 30, serverEachPct: [90], backingPct: 0, machineBusyPct: 150, ...c });
    expect(limitedBy(cpu({}), 2)).toBeNull();
    expect(limitedBy(cpu({ generatorMaxPct: 95 }), 2)).toBe('generator');
    expect(limitedBy(cpu({ machineBusyPct: 185 }), 2)).toBe('machine');
    expect(limitedBy(cpu({ machineBusyPct: 185 }), 4)).toBeNull();
  });

  it('counts the CPU of a process tree, children that have exited included (the database\'s backends)', () => {
    const own = readCpuMs(process.pid);
    const before = processTreeCpuMs(process.pid);
    expect(before).toBeGreaterThanOrEqual(own);
    // A child that burns 300 ms of CPU and is reaped: its time moves into this process's cutime.
    spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while (process.cpuUsage(t).user < 300_000);']);
    expect(processTreeCpuMs(process.pid) - before).toBeGreaterThanOrEqual(250);
  });

  it('takes each point of the sweep from the runs that measured it', () => {
    const point = (offeredPerS: number, p99: number, limited = false): LatencyPoint => ({
      offeredPerS, ackedPerS: offeredPerS, latencyMs: { count: 1, p50: p99 / 2, p95: p99, p99, max: p99, mean: p99 / 2 }, unanswered: 0, serverCpuPct: 1,
      serverUsPerVote: 1, generatorCpuPct: 1, machineBusyPct: 1, limitedBy: limited ? 'machine' : null, eventLoopDelayP99Ms: null, eventLoopDelayMaxMs: null, generatorEventLoopP99Ms: 0, runs: 1,
    });
    const sweep = medianSweep([[point(1, 2), point(2, 60, true)], [point(1, 4), point(2, 40, true), point(4, 70)], [point(1, 3)]], [1, 2, 4, 8]);
    expect(sweep.map((p) => [p.offeredPerS, p.latencyMs.p99, p.runs, p.limitedBy])).toEqual([[1, 3, 3, null], [2, 50, 2, 'machine'], [4, 70, 1, null]]);
  });
});
