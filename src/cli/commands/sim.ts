import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PivoteError } from '../../protocol/errors.js';
import { parseServerAddress, type ServerAddress } from '../../kiosk/server-address.js';
import { normalizeFingerprint } from '../../kiosk/tls-connector.js';
import { provisionSimKiosks } from '../../kiosk/sim/provision.js';
import { runSimulation, SIM_LOCKOUT_MS, type SimReport } from '../../kiosk/sim/simulation.js';
import type { CliContext } from '../context.js';
import { addDbOption, withStore } from '../db.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { formatParser, renderJson } from '../output.js';
import { waitForStopSignal } from '../signals.js';

/**
 * `pivote sim`: N simulated kiosks (real kiosk code, mock GPIO) in this process, pressing random
 * buttons against a running server. Exit 0 when every press was acknowledged.
 */

interface SimCommandOptions {
  server: ServerAddress;
  db: string;
  kiosks: number;
  votes?: number;
  rate?: number;
  duration?: number;
  seed?: number;
  lockoutMs: number;
  dataDir?: string;
  drainTimeout: number;
  format: 'text' | 'json';
  logLevel: string;
  tlsCa?: string;
  tlsFingerprint?: string;
}

function number(flag: string, check: (n: number) => boolean, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new PivoteError('PV_USAGE', `${flag} must be ${what}; got "${value}"`);
    return n;
  };
}
const wholeAtLeast = (flag: string, min: number) => number(flag, (n) => Number.isInteger(n) && n >= min, `a whole number >= ${min}`);
const positive = (flag: string) => number(flag, (n) => n > 0, 'a number above 0');

function serverFlag(value: string): ServerAddress {
  const parsed = parseServerAddress(value.trim());
  if (!parsed.ok) throw new PivoteError('PV_USAGE', `--server: ${parsed.problem}`);
  return parsed.address;
}

export function renderSimReport(r: SimReport): string {
  const rows = [
    ['pressed', String(r.pressed)],
    ['recorded', String(r.recorded)],
    ['acknowledged', `${r.acknowledged}${r.flagged > 0 ? `  (${r.flagged} flagged as repeated presses)` : ''}`],
    ['rejected', String(r.rejected)],
    ['still queued', String(r.queued)],
  ];
  if (r.skipped > 0) rows.push(['skipped', `${r.skipped}  (every kiosk was still locked out)`]);
  const head = `${r.kiosks} simulated kiosk(s) against ${r.server}, pressing for ${(r.pressingMs / 1000).toFixed(1)} s (seed ${r.seed})\n`;
  const width = Math.max(...rows.map(([label]) => (label ?? '').length));
  return head + rows.map(([label, value]) => `  ${(label ?? '').padEnd(width)}  ${value}\n`).join('');
}

export type StopSignal = () => Promise<unknown>;

export function registerSim(program: Command, ctx: CliContext, stopSignal: StopSignal = () => waitForStopSignal()): void {
  addDbOption(
    program
      .command('sim')
      .description('run N simulated kiosks (mock GPIO) against a server, pressing random buttons; report what was acknowledged')
      .requiredOption('--server <host:port>', 'the running `pivote server`', serverFlag)
      .requiredOption('--kiosks <n>', 'how many kiosks (registered as sim-1 … sim-N, reused if present)', wholeAtLeast('--kiosks', 1))
      .option('--votes <m>', 'stop after m presses in total', wholeAtLeast('--votes', 1))
      .option('--rate <r>', 'presses per second over all kiosks (default: 90% of what the lockouts allow)', positive('--rate'))
      .option('--duration <s>', 'stop pressing after s seconds (without it and --votes: until Ctrl-C)', positive('--duration'))
      .option('--seed <x>', 'random seed, to repeat the same presses', wholeAtLeast('--seed', 0))
      .option('--lockout-ms <ms>', 'lockout of each simulated kiosk after a press', wholeAtLeast('--lockout-ms', 0), SIM_LOCKOUT_MS)
      .option('--data-dir <dir>', 'folder for the kiosks\' outboxes (default: a temporary folder, removed afterwards)')
      .option('--drain-timeout <s>', 'after the last press, wait this long for acknowledgements', positive('--drain-timeout'), 15)
      .option('--tls-ca <file>', 'connect with TLS, trusting this CA (PEM) — as the kiosk config\'s tls.ca')
      .option('--tls-fingerprint <sha256>', 'connect with TLS, pinning this server certificate fingerprint')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text')
      .option('--log-level <level>', 'kiosk logs on stderr: fatal, error, warn, info, debug or trace', 'warn'),
    'write',
  )
    .addHelpText(
      'after',
      '\nThe database must be the one the server uses: the simulated kiosks are registered in it.\n' +
        'Ctrl-C stops pressing; the run then waits for acknowledgements and reports.\n' +
        'Exit code 0 when every press was acknowledged, 1 otherwise.\n',
    )
    .action(async (opts: SimCommandOptions) => {
      if (opts.votes === undefined && opts.rate === undefined) throw new PivoteError('PV_USAGE', 'give --votes M or --rate R');
      const logger = createCliLogger({ level: parseLogLevel(opts.logLevel), pretty: false, fd: 2, name: 'pivote-sim' });
      const kiosks = await withStore(opts.db, 'write', (store) => provisionSimKiosks(store, opts.kiosks, ctx.now()));
      const temporary = opts.dataDir === undefined;
      const dataDir = opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'pivote-sim-')) : resolve(opts.dataDir);
      // Ctrl-C stops pressing; the run still drains and reports.
      const abort = new AbortController();
      void stopSignal().then(() => abort.abort());
      let report: SimReport;
      try {
        report = await runSimulation(
          {
            server: opts.server,
            kiosks,
            ...(opts.votes !== undefined && { votes: opts.votes }),
            ...(opts.rate !== undefined && { rate: opts.rate }),
            ...(opts.duration !== undefined && { durationMs: opts.duration * 1000 }),
            ...(opts.seed !== undefined && { seed: opts.seed }),
            lockoutMs: opts.lockoutMs,
            dataDir,
            drainTimeoutMs: opts.drainTimeout * 1000,
            signal: abort.signal,
            ...((opts.tlsCa !== undefined || opts.tlsFingerprint !== undefined) && {
              tls: {
                ...(opts.tlsCa !== undefined && { ca: resolve(opts.tlsCa) }),
                ...(opts.tlsFingerprint !== undefined && { fingerprint: normalizeFingerprint(opts.tlsFingerprint) }),
              },
            }),
          },
          { logger },
        );
      } finally {
        abort.abort();
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      }
      ctx.stdout(opts.format === 'json' ? renderJson(report) : renderSimReport(report));
      if (!report.ok) {
        throw new PivoteError(
          'PV_SIM_INCOMPLETE',
          `${report.pressed - report.acknowledged} of ${report.pressed} presses were not acknowledged ` +
            `(${report.queued} still queued, ${report.rejected} rejected, ${report.pressed - report.recorded} not recorded)`,
          { ...report },
        );
      }
    });
}
