import { execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_WIRING } from '../../src/cli/kiosk-config.js';
import { newSecret } from '../../src/protocol/auth.js';
import type { PgCluster } from '../support/postgres/cluster.js';
import { CLI, ROOT } from '../e2e/build.js';
import { KioskProcess, startServerProcess, type ServerProcess } from '../e2e/processes.js';
import { PostgresFaultDatabase, SqliteFaultDatabase, type FaultDatabase } from './fault-db.js';
import { FaultProxy } from './fault-proxy.js';
import type { StopSignal } from './schedule.js';

/**
 * The processes under test: one `pivote server` on SQLite, or several on one PostgreSQL (see
 * fault-db.ts); N `pivote kiosk --gpio mock --mock-control`, and a FaultProxy in front of each
 * kiosk (one port per server; kiosk i lists the servers starting at server i mod N). Kills are
 * SIGKILL; restarts reuse the database and each kiosk's data dir. Anything that exits without
 * being told to is a crash, and is reported. Process bookkeeping (and the final SIGKILL of
 * stragglers) is test/e2e/processes.ts's.
 */

const execFileP = promisify(execFile);
const CLI_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 30_000;

export interface ClusterOptions {
  dir: string;
  kiosks: number;
  buttons: number;
  /** Kiosk lockout (config `lockoutMs`): shorter than the schedule's press gap. */
  lockoutMs: number;
  /** Kiosk heartbeat (config `heartbeatMs`): a dead link is noticed after 3x this. */
  heartbeatMs: number;
  /** Called for anything that is not a check failure but makes the run suspect (crash, failed restart). */
  onProblem(what: string): void;
  /** Servers on one database: 1 (SQLite), or more with `postgres` (a running throwaway cluster). */
  servers?: number;
  postgres?: PgCluster;
}

export interface KioskSlot {
  index: number;
  id: string;
  dataDir: string;
  config: string;
  proxy: FaultProxy;
  proc: KioskProcess | undefined;
  /** Every process this kiosk ran as, for its logs. */
  instances: KioskProcess[];
  /** Between a kill and the restart. */
  down: boolean;
  pressesSent: number;
}

export class FaultCluster {
  readonly database: FaultDatabase;
  readonly slots: KioskSlot[] = [];
  /** The server process of each server slot, undefined while it is down. */
  readonly running: (ServerProcess | undefined)[];
  /** Every server process, for its logs. */
  readonly servers: ServerProcess[] = [];
  private polls = 1;
  private readonly expectedExits = new WeakSet<object>();
  /** Ends any `pivote poll` command still running when the cluster is disposed. */
  private readonly cliAbort = new AbortController();

  constructor(private readonly opts: ClusterOptions) {
    const servers = opts.servers ?? 1;
    if (servers > 1 && !opts.postgres) throw new Error('several servers need a PostgreSQL cluster');
    this.database = servers > 1 ? new PostgresFaultDatabase(opts.postgres!, opts.dir, servers) : new SqliteFaultDatabase(opts.dir);
    this.running = Array.from({ length: servers }, () => undefined);
  }

  /** Registers the kiosks, opens poll 1, starts everything, resolves when every kiosk is online. */
  async start(): Promise<void> {
    const ids = Array.from({ length: this.opts.kiosks }, (_, i) => `fault-k${i}`);
    await this.database.create();
    const store = await this.database.open(false);
    const secrets: string[] = [];
    try {
      for (const id of ids) {
        const secret = newSecret();
        await store.addKiosk({ id, name: id, location: 'fault campaign', secret, createdAt: Date.now() });
        secrets.push(secret);
      }
      await store.openPoll('Fault poll 1', this.optionLabels(), Date.now());
    } finally {
      await store.close();
    }
    await Promise.all(this.running.map((_, i) => this.startServer(i)));
    const n = this.running.length;
    for (const [index, id] of ids.entries()) {
      const proxy = new FaultProxy(this.running.map((s) => s!.port));
      const ports: number[] = [];
      for (let i = 0; i < n; i++) ports.push(await proxy.listen());
      const dataDir = join(this.opts.dir, id);
      const config = join(this.opts.dir, `${id}.json`);
      // Its own server first, then the others: the kiosks spread over the servers and fail over.
      const servers = ports.map((_, i) => `127.0.0.1:${ports[(index + i) % n]}`);
      writeFileSync(config, JSON.stringify({
        server: servers, kioskId: id, secret: secrets[index], ...DEFAULT_WIRING,
        lockoutMs: this.opts.lockoutMs, heartbeatMs: this.opts.heartbeatMs, dataDir, gpio: 'mock',
      }));
      this.slots.push({ index, id, dataDir, config, proxy, proc: undefined, instances: [], down: false, pressesSent: 0 });
    }
    for (const slot of this.slots) this.startKiosk(slot);
    await Promise.all(this.slots.map((s) => s.proc!.until(() => s.proc!.connection === 'online', `${s.id} online`, START_TIMEOUT_MS)));
  }

  press(slot: KioskSlot, button: number): boolean {
    if (slot.down || !slot.proc) return false;
    slot.proc.send(`press ${button}`);
    slot.pressesSent++;
    return true;
  }

  /** Stops server `index` with `signal` (SIGTERM must end in exit 0), restarts it `downMs` later. */
  async killServer(signal: StopSignal, downMs: number, index = 0): Promise<void> {
    const server = this.running[index];
    if (!server) return;
    this.running[index] = undefined;
    for (const s of this.slots) s.proxy.setTarget(undefined, index);
    await this.stopProcess(server.process, signal, this.serverName(index));
    await sleep(downMs);
    await this.startServer(index);
  }

  /** Stops the database (PostgreSQL), starts it again `downMs` later. */
  async restartDb(mode: 'fast' | 'immediate', downMs: number): Promise<void> {
    await this.database.restart(mode, downMs);
  }

  cutDb(index: number, forMs: number, reset: boolean): void {
    this.database.cut(index, forMs, reset);
  }

  async killKiosk(slot: KioskSlot, signal: StopSignal, downMs: number): Promise<void> {
    const proc = slot.proc;
    if (!proc || slot.down) return;
    slot.down = true;
    await this.stopProcess(proc.process, signal, slot.id);
    await sleep(downMs);
    this.startKiosk(slot);
    slot.down = false;
  }

  private async stopProcess(child: ChildProcess, signal: StopSignal, name: string): Promise<void> {
    this.expectedExits.add(child);
    const exit = exitCode(child);
    child.kill(signal);
    const code = await withTimeout(exit, 15_000);
    if (code === 'timeout') {
      this.opts.onProblem(`${name} did not exit within 15 s of ${signal}`);
      child.kill('SIGKILL');
      await exit;
    } else if (signal === 'SIGTERM' && code !== 0) {
      this.opts.onProblem(`${name} exited ${code} on SIGTERM`);
    }
  }

  /** `pivote poll close`, then after gapMs `pivote poll open`, as an organiser would. */
  async rotatePoll(gapMs: number): Promise<void> {
    await this.cli(['poll', 'close', '--db', this.database.cliDb]);
    await sleep(gapMs);
    this.polls++;
    const options = this.optionLabels().flatMap((o) => ['--option', o]);
    await this.cli(['poll', 'open', '--db', this.database.cliDb, '--question', `Fault poll ${this.polls}`, ...options]);
  }

  /** Ends every fault; resolves when each kiosk has nothing pending and is online (or at the deadline). */
  async drain(timeoutMs: number): Promise<boolean> {
    for (const s of this.slots) s.proxy.clearFaults();
    this.database.clearFaults();
    const deadline = Date.now() + timeoutMs;
    const settled = new Set<KioskSlot>();
    while (Date.now() < deadline) {
      for (const slot of this.slots) {
        if (settled.has(slot) || !slot.proc) continue;
        const stats = await slot.proc.stats().catch(() => undefined);
        if (stats && stats.pending === 0 && stats.connection === 'online') settled.add(slot);
      }
      if (settled.size === this.slots.length) return true;
      await sleep(250);
    }
    return false;
  }

  /** Kiosks quit (exit 0 expected), then the server gets SIGTERM; stragglers get SIGKILL. */
  async stop(): Promise<void> {
    await Promise.all(this.slots.map(async (slot) => {
      const proc = slot.proc;
      if (!proc) return;
      this.expectedExits.add(proc.process);
      proc.send('quit');
      const code = await withTimeout(proc.exited(), 10_000);
      if (code === 'timeout') {
        this.opts.onProblem(`${slot.id} did not exit within 10 s of quit`);
        await proc.kill('SIGKILL');
      } else if (code !== 0) this.opts.onProblem(`${slot.id} exited ${code} on quit`);
    }));
    await Promise.all(this.running.map(async (server, index) => {
      this.running[index] = undefined;
      if (!server) return;
      this.expectedExits.add(server.process);
      const code = await withTimeout(server.stop(), 15_000);
      if (code === 'timeout') {
        this.opts.onProblem(`${this.serverName(index)} did not exit within 15 s of SIGTERM`);
        server.process.kill('SIGKILL');
      } else if (code !== 0) this.opts.onProblem(`${this.serverName(index)} exited ${code} on SIGTERM`);
    }));
  }

  /** Closes the proxies and ends any CLI command still running (processes: killAll()). */
  async dispose(): Promise<void> {
    this.cliAbort.abort();
    await Promise.all(this.slots.map((s) => s.proxy.close()));
    await this.database.dispose();
  }

  private serverName(index: number): string {
    return this.running.length > 1 ? `server ${index + 1}` : 'the server';
  }

  private optionLabels(): string[] {
    return Array.from({ length: this.opts.buttons }, (_, i) => `option ${i + 1}`);
  }

  private async startServer(index: number): Promise<void> {
    let server: ServerProcess;
    const args = this.database.serverArgs(index);
    const [, db, ...extra] = args;
    try {
      server = await startServerProcess(db!, 0, extra);
    } catch (err) {
      // One more try: on a loaded machine the first start can miss its deadline.
      this.opts.onProblem(`${this.serverName(index)} restart failed once: ${(err as Error).message.split('\n')[0]}`);
      server = await startServerProcess(db!, 0, extra);
    }
    this.watch(server.process, this.serverName(index), () => server.stderr.join('').slice(-2000));
    this.running[index] = server;
    this.servers.push(server);
    for (const s of this.slots) s.proxy.setTarget(server.port, index);
  }

  private startKiosk(slot: KioskSlot): void {
    const proc = KioskProcess.start({ config: slot.config, dataDir: slot.dataDir, logLevel: 'info' });
    this.watch(proc.process, slot.id, () => proc.stderr.join('').slice(-2000));
    slot.proc = proc;
    slot.instances.push(proc);
  }

  private watch(child: ChildProcess, name: string, tail: () => string): void {
    child.once('exit', (code, signal) => {
      if (!this.expectedExits.has(child)) this.opts.onProblem(`${name} exited on its own (code ${code}, signal ${signal}): ${tail()}`);
    });
  }

  private async cli(args: string[]): Promise<void> {
    try {
      await execFileP(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: CLI_TIMEOUT_MS, signal: this.cliAbort.signal });
    } catch (err) {
      if (this.cliAbort.signal.aborted) return;
      const e = err as { stderr?: string; message: string };
      this.opts.onProblem(`pivote ${args.slice(0, 2).join(' ')} failed: ${e.stderr?.trim() || e.message}`);
    }
  }
}

function exitCode(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
