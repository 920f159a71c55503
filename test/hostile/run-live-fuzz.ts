/**
 * The long live fuzz, outside vitest:
 *   node node_modules/vite-node/vite-node.mjs test/hostile/run-live-fuzz.ts --frames 100000 [--concurrency 32] [--seed N]
 * Prints progress, then the report as JSON; exits 1 if any check failed.
 */
import { runLiveFuzz } from './live-fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
}

const report = await runLiveFuzz({
  frames: arg('frames', 100_000),
  concurrency: arg('concurrency', 32),
  seed: arg('seed', Date.now() % 2 ** 31),
  progress: (line) => process.stderr.write(line + '\n'),
});
const failures = [
  !report.serverAliveAfterFuzz && 'server crashed',
  report.exitCodeOnSigterm !== 0 && `exit code on SIGTERM ${report.exitCodeOnSigterm}`,
  report.serverErrorLogs.length > 0 && `${report.serverErrorLogs.length} error logs`,
  report.badServerFrames > 0 && `${report.badServerFrames} bad server frames`,
  report.violations.length > 0 && `${report.violations.length} violations`,
  report.goodFailures.length > 0 && `good kiosk: ${report.goodFailures.join('; ')}`,
  report.goodVotesAcked !== report.goodVotesSent && 'good votes not all acked',
  report.goodVotesCounted !== report.goodVotesAcked && 'good votes not all counted',
  report.invalidStoredVotes.length > 0 && `${report.invalidStoredVotes.length} invalid votes stored`,
].filter(Boolean);
process.stdout.write(JSON.stringify({ ...report, failures }, null, 2) + '\n');
process.exitCode = failures.length === 0 ? 0 : 1;
