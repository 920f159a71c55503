import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PivoteError } from '../../protocol/errors.js';
import { normalizeFingerprint } from '../../kiosk/transport/tls-connector.js';
import { runSimulation, type SimReport } from '../../kiosk/sim/simulation.js';
import type { SimCommandOptions, StopSignal } from '../options.js';
import type { CliContext } from '../context.js';
import { withAdmin } from '../admin-target.js';
import { provisionThroughAdmin } from '../sim-kiosks.js';
import { createCliLogger, parseLogLevel } from '../logger.js';
import { renderJson } from '../output.js';

/** `pivote sim`, loaded only when that command runs (see ../commands/sim.ts). */

export function renderSimReport(r: SimReport): string {
  const rows = [
    ['pressed', String(r.pressed)],
    ['recorded', String(r.recorded)],
    ['acknowledged', `${r.acknowledged}${r.flagged > 0 ? `  (${r.flagged} flagged as repeated presses)` : ''}`],
    ['rejected', String(r.rejected)],
    ['still queued', String(r.queued)],
  ];
  if (r.skipped > 0) rows.push(['skipped', `${r.skipped}  (a kiosk could not take the press: locked out or no poll)`]);
  const head = `${r.kiosks} simulated kiosk(s) against ${r.server}, pressing for ${(r.pressingMs / 1000).toFixed(1)} s (seed ${r.seed})\n`;
  const width = Math.max(...rows.map(([label]) => (label ?? '').length));
  return head + rows.map(([label, value]) => `  ${(label ?? '').padEnd(width)}  ${value}\n`).join('');
}

export async function runSim(ctx: CliContext, opts: SimCommandOptions, stopSignal: StopSignal): Promise<void> {
  if (opts.votes === undefined && opts.rate === undefined && opts.duration === undefined) {
    throw new PivoteError('PV_USAGE', 'give --votes M, --duration S or --rate R');
  }
  const logger = createCliLogger({ level: parseLogLevel(opts.logLevel), pretty: false, fd: 2, name: 'pivote-sim' });
  const kiosks = await withAdmin(opts, ctx, 'write', (admin) => provisionThroughAdmin(admin, opts.kiosks));
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
}
