import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Reads a V8 `.cpuprofile` (what `--cpu-prof` writes, one per thread) and prints where the time
 * went: busy share of the profile, self time per function, and inclusive time per function, so
 * the account in docs/PERFORMANCE.md can be checked against the profile it came from.
 *
 *   node dist/bench/bench/profile-summary.js <file.cpuprofile> [top=30] [from-ms] [to-ms]
 *
 * from/to (ms since the profile started) cut out connecting and warm-up.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Microseconds covered by the samples taken in the range. */
  totalUs: number;
  /** Idle (the thread waited in epoll or on its message port). */
  idleUs: number;
  self: Map<string, number>;
  inclusive: Map<string, number>;
}

function frameKey(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (f.url === '') return name;
  const url = f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/');
  return `${name} ${url.startsWith('node:') ? url : basename(url)}:${f.lineNumber + 1}`;
}

/** Self and inclusive time per function over samples whose time falls in [fromMs, toMs). */
export function summarizeProfile(p: CpuProfile, fromMs = 0, toMs = Infinity): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample's weight is the gap to the next one
    t += p.timeDeltas[i] ?? 0;
    const atMs = t / 1000;
    if (atMs < fromMs || atMs >= toMs) continue;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    totalUs += dt;
    const key = frameKey(node.callFrame);
    if (node.callFrame.functionName === '(idle)') idleUs += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
    // Each function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = frameKey(byId.get(id)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  return { totalUs, idleUs, self, inclusive };
}

function top(m: Map<string, number>, n: number, busyUs: number): string[] {
  return [...m]
    .filter(([k]) => k !== '(idle)' && k !== '(root)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${((us / busyUs) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}

function main(): void {
  const [file, topArg, fromArg, toArg] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: profile-summary <file.cpuprofile> [top=30] [from-ms] [to-ms]\n');
    process.exitCode = 2;
    return;
  }
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const s = summarizeProfile(p, Number(fromArg ?? 0), toArg === undefined ? Infinity : Number(toArg));
  const busy = s.totalUs - s.idleUs;
  const n = Number(topArg ?? 30);
  const out = [
    `${basename(file)}: ${(s.totalUs / 1e6).toFixed(2)} s sampled, busy ${((busy / s.totalUs) * 100).toFixed(1)} % (shares below are of the busy time)`,
    '',
    'self time:',
    ...top(s.self, n, busy),
    '',
    'inclusive time:',
    ...top(s.inclusive, n, busy),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) main();
