import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { PivoteError } from '../../protocol/errors.js';
import { provisionSimKiosks } from '../../kiosk/sim/provision.js';
import { runSimulation, type SimProgress, type SimReport } from '../../kiosk/sim/simulation.js';
import type { FrontDoor } from '../../http/front-door.js';
import { startServer, type RunningServer } from '../../server/run-server.js';
import type { DemoOptions, StopSignal } from '../options.js';
import type { CliContext } from '../context.js';
import { renderDemoLine, renderDemoScreen, totalCounted, type DemoView } from '../demo-screen.js';
import { pathFromCwd, pivoteCommand, processInvocationFacts } from '../invocation.js';
import { createCliLogger } from '../logger.js';

/** `pivote demo`, loaded only when that command runs (see ../commands/demo.ts). */

export const DEMO_QUESTION = 'How was your visit today?';
export const DEMO_OPTIONS = ['Great', 'Good', 'Could be better', 'Poor'];
const REDRAW_MS = 500;

/** Only what an earlier demo run wrote, so a stale tally never mixes into a new one. */
function resetDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of ['demo.db', 'demo.db-wal', 'demo.db-shm', 'demo.db.admin-token', 'kiosks', 'demo.log']) {
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export async function runDemo(ctx: CliContext, opts: DemoOptions, stopSignal: StopSignal): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  resetDataDir(dataDir);
  const logFd = openLog(join(dataDir, 'demo.log'));
  const logger = createCliLogger({ level: 'info', pretty: false, fd: logFd, name: 'pivote-demo' });
  const running = await startServer({
    // The server's own repeated-press rule: people are not flagged by it, button-mashers are.
    dbPath: join(dataDir, 'demo.db'), host: '127.0.0.1', port: 0, logger,
  }).catch((err: unknown) => {
    closeSync(logFd);
    throw err;
  });
  let door: FrontDoor | undefined;
  try {
    door = await openDashboard(running, dataDir, opts.httpPort, logger);
    const dashboard = { url: door.url, login: door.loginLink(), tokenFile: join(dataDir, 'demo.db.admin-token') };
    ctx.stdout(`Dashboard: ${dashboard.url}\nLog in with this one-time link: ${dashboard.login}\n(or with the admin token in ${dashboard.tokenFile})\n`);
    const report = await demo(running, opts, dataDir, ctx, stopSignal, logger, dashboard);
    const counted = await countedVotes(running);
    ctx.stdout(`\nDemo finished: ${report.pressed} presses, ${report.acknowledged} acknowledged, votes counted: ${counted}.\n`);
    const facts = processInvocationFacts(ctx.env);
    const db = pathFromCwd(facts, join(dataDir, 'demo.db'));
    ctx.stdout(`The database is ${db}: try \`${pivoteCommand(facts)} results --db ${db}\`.\n`);
    if (counted === 0) throw new PivoteError('PV_SIM_INCOMPLETE', 'the demo counted no votes; see the log in the data folder');
  } finally {
    await door?.close();
    await running.close();
    closeSync(logFd);
  }
}

/** The dashboard on 127.0.0.1 at `port`, or on any free port when that one is taken. */
async function openDashboard(running: RunningServer, dataDir: string, port: number, logger: Logger): Promise<FrontDoor> {
  const { TokenSource, ensureTokenFile } = await import('../../admin/admin-token.js');
  const { startFrontDoor } = await import('../../http/front-door.js');
  const tokenFile = join(dataDir, 'demo.db.admin-token');
  ensureTokenFile(tokenFile);
  const start = (p: number) =>
    startFrontDoor({
      core: running.core,
      store: running.store,
      logger,
      host: '127.0.0.1',
      port: p,
      tokens: new TokenSource(tokenFile),
      kioskServer: `127.0.0.1:${running.address.port}`,
      kioskPort: running.address.port,
      kioskListenerUp: () => running.listening(),
    });
  try {
    return await start(port);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EADDRINUSE' || port === 0) throw err;
    return start(0);
  }
}

/** pino writes to a file descriptor; the demo's own screen owns stdout. */
function openLog(path: string): number {
  return openSync(path, 'a');
}

async function countedVotes(running: RunningServer): Promise<number> {
  const poll = (await running.store.listPolls())[0];
  if (!poll) return 0;
  const counts = await running.store.countVotes({ pollId: poll.id, includeFlagged: false });
  return counts.reduce((n, c) => n + c.count, 0);
}

async function demo(
  running: RunningServer,
  opts: DemoOptions,
  dataDir: string,
  ctx: CliContext,
  stopSignal: StopSignal,
  logger: Logger,
  dashboard: { url: string; login: string },
): Promise<SimReport> {
  const { store, core, address } = running;
  const poll = await store.openPoll(DEMO_QUESTION, DEMO_OPTIONS, ctx.now());
  await core.pollChanged();
  const kiosks = await provisionSimKiosks(store, opts.kiosks, ctx.now(), 'demo');

  const tty = ctx.stdoutIsTTY === true;
  const started = Date.now();
  const state = new Map(kiosks.map((k) => [k.id, { id: k.id, status: 'starting', queued: 0 }]));
  let pressed = 0;
  let acknowledged = 0;
  const onProgress = (e: SimProgress): void => {
    const k = 'kioskId' in e ? state.get(e.kioskId) : undefined;
    if (e.type === 'status' && k) k.status = e.status;
    if (e.type === 'recorded' && k) k.queued++;
    if ((e.type === 'acked' || e.type === 'rejected') && k) k.queued = Math.max(0, k.queued - 1);
    if (e.type === 'pressed') pressed = e.pressed;
    if (e.type === 'acked') acknowledged++;
  };

  const draw = async (): Promise<void> => {
    const [counts, all] = await Promise.all([
      store.countVotes({ pollId: poll.id, includeFlagged: false }),
      store.countVotes({ pollId: poll.id, includeFlagged: true }),
    ]);
    const view: DemoView = {
      question: poll.question,
      counts,
      flagged: totalCounted({ counts: all }) - totalCounted({ counts }),
      kiosks: [...state.values()],
      pressed,
      acknowledged,
      elapsedMs: Date.now() - started,
      durationMs: opts.duration === undefined ? undefined : opts.duration * 1000,
      server: `${address.address}:${address.port}`,
      dataDir,
      dashboard: dashboard.url,
      login: dashboard.login,
    };
    ctx.stdout(tty ? `\x1b[H\x1b[2J${renderDemoScreen(view)}` : renderDemoLine(view));
  };

  const abort = new AbortController();
  void stopSignal().then(() => abort.abort());
  let drawing = Promise.resolve();
  const redraw = setInterval(() => {
    drawing = drawing.then(draw).catch((err: unknown) => logger.warn({ err }, 'redraw failed'));
  }, REDRAW_MS);
  try {
    return await runSimulation(
      {
        server: { host: '127.0.0.1', port: address.port },
        kiosks,
        ...(opts.rate !== undefined && { rate: opts.rate }),
        ...(opts.duration !== undefined && { durationMs: opts.duration * 1000 }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
        dataDir: join(dataDir, 'kiosks'),
        signal: abort.signal,
      },
      { logger, onProgress },
    );
  } finally {
    clearInterval(redraw);
    abort.abort();
    await drawing;
    await draw();
  }
}
