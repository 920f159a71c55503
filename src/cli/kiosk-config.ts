import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { BackendKind } from '../gpio/index.js';
import type { KioskAppConfig } from '../kiosk/app/kiosk-app.js';
import { loadKioskConfig, validateKioskConfig } from '../kiosk/config/config.js';
import { unreadableFileError } from '../kiosk/os-errors.js';
import { isPivoteError, PivoteError } from '../protocol/errors.js';
import { KIOSK_ID_PATTERN } from '../protocol/messages.js';

/**
 * Turns `pivote kiosk` flags into a kiosk config. Kept apart from the kiosk app so the command
 * definition (loaded for every `pivote` command) and its tests can use it without loading GPIO,
 * the outbox or the client.
 */

/** The wiring of hardware/README.md, used when the kiosk is given by flags instead of a file. */
export const DEFAULT_WIRING = {
  buttons: ['GPIO5', 'GPIO6', 'GPIO13', 'GPIO19'],
  leds: ['GPIO17', 'GPIO27', 'GPIO22', 'GPIO23'],
  statusLed: 'GPIO24',
} as const;

export interface KioskCommandOptions {
  config?: string;
  gpio?: BackendKind;
  keys?: boolean;
  logLevel: string;
  server?: string[];
  kioskId?: string;
  secret?: string;
  secretFile?: string;
  dataDir?: string;
  mockControl?: boolean;
  reconnectMaxMs?: number;
}

/** What the flags path needs from the process: the environment (for the default data folder). */
export interface KioskConfigEnv {
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

const FLAG_OF_KEY: Record<string, string> = { server: '--server', kioskId: '--kiosk-id', secret: '--secret', secretFile: '--secret-file', dataDir: '--data-dir' };

/**
 * Where a kiosk started by flags keeps its outbox and log: the user's state folder
 * ($XDG_STATE_HOME, else ~/.local/state), never the current folder, so trying a kiosk from a
 * checkout leaves the checkout clean, and the votes it kept are found again at the next start.
 */
export function defaultKioskDataDir(kioskId: string, env: Readonly<Record<string, string | undefined>>): string {
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'pivote', `kiosk-${kioskId}`);
}

/** The config from --config, or from --server/--kiosk-id/--secret(-file) with the default wiring. */
export function resolveKioskConfig(opts: KioskCommandOptions, io: KioskConfigEnv = { env: {} }): KioskAppConfig {
  const byFlags = opts.server !== undefined || opts.kioskId !== undefined || opts.secret !== undefined || opts.secretFile !== undefined;
  if (opts.config !== undefined && byFlags) {
    throw new PivoteError('PV_USAGE', 'give either --config FILE or --server/--kiosk-id/--secret, not both');
  }
  if (opts.config !== undefined) {
    const loaded = loadKioskConfig(opts.config);
    return opts.dataDir === undefined ? loaded : { ...loaded, dataDir: resolve(opts.dataDir) };
  }
  if (!byFlags) {
    throw new PivoteError('PV_USAGE', 'give --config FILE, or --server HOST[:PORT] --kiosk-id ID --secret-file FILE to run with the default wiring');
  }
  const missing = [
    opts.server === undefined && '--server HOST[:PORT]',
    opts.kioskId === undefined && '--kiosk-id ID (the id registered with `pivote fleet add`)',
    opts.secret === undefined && opts.secretFile === undefined && '--secret-file FILE (or --secret S)',
  ].filter((m): m is string => m !== false);
  if (missing.length > 0) throw new PivoteError('PV_USAGE', `without --config, also give ${missing.join(' and ')}`);
  if (opts.secret !== undefined && opts.secretFile !== undefined) throw new PivoteError('PV_USAGE', 'give --secret or --secret-file, not both');

  let secret = opts.secret;
  if (opts.secretFile !== undefined) {
    const path = resolve(opts.secretFile);
    try {
      secret = (io.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path).trim();
    } catch (err) {
      throw unreadableFileError('the kiosk secret (--secret-file)', path, err);
    }
    if (secret === '') throw new PivoteError('PV_USAGE', `--secret-file: ${path} is empty; put the secret from \`pivote fleet add\` in it`);
  }
  const kioskId = opts.kioskId as string;
  const raw = {
    server: opts.server,
    kioskId,
    secret,
    ...DEFAULT_WIRING,
    dataDir: opts.dataDir ?? defaultKioskDataDir(KIOSK_ID_PATTERN.test(kioskId) ? kioskId : 'data', io.env),
    gpio: 'auto',
  };
  try {
    const config = validateKioskConfig(raw);
    return { ...config, secret: config.secret as string, dataDir: resolve(config.dataDir) };
  } catch (err) {
    // A flag was wrong, not a config file: name the flag, and point at --help.
    const key = isPivoteError(err) ? err.details?.key : undefined;
    const flag = typeof key === 'string' ? FLAG_OF_KEY[key] : undefined;
    if (isPivoteError(err) && flag !== undefined) {
      throw new PivoteError('PV_USAGE', `${flag}: ${err.message.replace(/^config key "[^"]+" /, '')}`, { ...err.details, flag });
    }
    throw err;
  }
}
