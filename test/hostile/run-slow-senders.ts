/**
 * The slow-sender run outside vitest, printing its figures:
 *   node node_modules/vite-node/vite-node.mjs test/hostile/run-slow-senders.ts [--connections 2000] [--auth-timeout-ms 2000] [--frame-timeout-ms 1500]
 */
import { runSlowSenders } from './slow-senders.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
}

const started = performance.now();
const report = await runSlowSenders({
  connections: arg('connections', 2_000),
  authTimeoutMs: arg('auth-timeout-ms', 2_000),
  frameTimeoutMs: arg('frame-timeout-ms', 1_500),
  authenticatedTricklers: arg('authenticated-tricklers', 100),
});
const ok = report.stillOpen === 0 && report.unexpected.length === 0 && report.goodFailures.length === 0 && report.serverAlive && report.exitCodeOnSigterm === 0;
process.stdout.write(JSON.stringify({ ...report, durationMs: Math.round(performance.now() - started), ok }, null, 2) + '\n');
process.exitCode = ok ? 0 : 1;
