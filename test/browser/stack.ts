import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../e2e/build.js';
import { KioskProcess, killAll, startServerProcess, type ServerProcess } from '../e2e/processes.js';
import { runPivote } from '../hostile/helpers/server-process.js';

/**
 * A real pivote installation for the browser tests: the built `pivote server` on loopback with
 * free ports for kiosks and HTTP, its admin token read from `<db>.admin-token` as an organiser
 * would, and real `pivote kiosk --gpio mock` processes pressing buttons. `stop()` ends every
 * process and removes the folder.
 */

const START_TIMEOUT_MS = 20_000;

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface KioskOptions {
  name?: string;
  location?: string;
  /** 2–4 buttons of the default wiring (default 4). */
  buttons?: number;
  /** Lockout after a press (default 50 ms, so tests can press in quick succession). */
  lockoutMs?: number;
}

const WIRING = { buttons: ['GPIO5', 'GPIO6', 'GPIO13', 'GPIO19'], leds: ['GPIO17', 'GPIO27', 'GPIO22', 'GPIO23'], statusLed: 'GPIO24' };

/** Presses a button and waits until the server has acknowledged the vote. */
export async function vote(kiosk: KioskProcess, button: number): Promise<void> {
  const before = (await kiosk.stats()).acked;
  await kiosk.press(button);
  await kiosk.statsUntil((s) => s.acked > before, `the ack of a press of button ${button}`);
}

export interface Stack {
  readonly dir: string;
  readonly db: string;
  readonly kioskAddress: string;
  readonly baseURL: string;
  readonly token: string;
  readonly server: ServerProcess;
  /** A Bearer-authenticated call, for setting up and checking what the browser did. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Registers a kiosk through the API and starts it (mock GPIO), waiting until it is online. */
  startKiosk(id: string, options?: KioskOptions): Promise<KioskProcess>;
  /** Starts a kiosk process with a secret of its own (already registered); waits for `ready`. */
  runKiosk(id: string, secret: string, options?: KioskOptions): Promise<KioskProcess>;
  pivote(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startStack(extraServerArgs: readonly string[] = []): Promise<Stack> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'pivote-browser-'));
  const db = join(dir, 'pivote.db');
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess(db, 0, ['--http-host', '127.0.0.1', ...extraServerArgs]);
    const s = server;
    // as an organiser finds it: the file beside the database, named in the server's log
    if (s.tokenFile !== `${db}.admin-token`) throw new Error(`admin token file ${s.tokenFile}, expected ${db}.admin-token`);
    const token = readFileSync(s.tokenFile, 'utf8').trim();
    const baseURL = s.httpUrl.replace(/\/$/, '');
    const kioskAddress = `127.0.0.1:${s.port}`;
    let runs = 0;

    const api = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
      const res = await fetch(`${baseURL}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };

    const runKiosk = async (id: string, secret: string, options: KioskOptions = {}): Promise<KioskProcess> => {
      const buttons = options.buttons ?? 4;
      const run = runs++;
      const config = join(dir, `kiosk-${id}-${run}.json`);
      const dataDir = join(dir, `kiosk-${id}-${run}`);
      writeFileSync(config, JSON.stringify({
        server: kioskAddress, kioskId: id, secret,
        buttons: WIRING.buttons.slice(0, buttons), leds: WIRING.leds.slice(0, buttons), statusLed: WIRING.statusLed,
        lockoutMs: options.lockoutMs ?? 50, dataDir,
      }));
      const kiosk = KioskProcess.start({ config, dataDir, logLevel: 'warn' });
      await kiosk.ready();
      return kiosk;
    };

    return {
      dir, db, kioskAddress, baseURL, token, server: s, api,
      async startKiosk(id, options = {}) {
        const added = await api<{ secret: string }>('POST', '/api/kiosks', { id, name: options.name, location: options.location });
        if (added.status !== 201) throw new Error(`registering ${id}: ${added.status} ${JSON.stringify(added.body)}`);
        const kiosk = await runKiosk(id, added.body.secret, options);
        await kiosk.until(() => kiosk.connection === 'online', `${id} online`, START_TIMEOUT_MS);
        return kiosk;
      },
      runKiosk,
      pivote: (args) => runPivote(args),
      async stop() {
        await killAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
