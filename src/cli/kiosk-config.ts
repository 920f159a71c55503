import { resolve } from 'node:path';
import type { BackendKind } from '../gpio/index.js';
import type { KioskAppConfig } from '../kiosk/app/kiosk-app.js';
import { loadKioskConfig, validateKioskConfig } from '../kiosk/config/config.js';
import { isPivoteError, PivoteError } from '../protocol/errors.js';

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
  dataDir?: string;
  mockControl?: boolean;
  reconnectMaxMs?: number;
}

const FLAG_OF_KEY: Record<string, string> = { server: '--server', kioskId: '--kiosk-id', secret: '--secret', dataDir: '--data-dir' };

/** The config from --config, or from --server/--kiosk-id/--secret with the default wiring. */
export function resolveKioskConfig(opts: KioskCommandOptions): KioskAppConfig {
  const byFlags = opts.server !== undefined || opts.kioskId !== undefined || opts.secret !== undefined;
  if (opts.config !== undefined && byFlags) {
    throw new PivoteError('PV_USAGE', 'give either --config FILE or --server/--kiosk-id/--secret, not both');
  }
  if (opts.config !== undefined) {
    const loaded = loadKioskConfig(opts.config);
    return opts.dataDir === undefined ? loaded : { ...loaded, dataDir: resolve(opts.dataDir) };
  }
  if (!byFlags) {
    throw new PivoteError('PV_USAGE', 'give --config FILE, or --server HOST:PORT --kiosk-id ID --secret S to run with the default wiring');
  }
  const raw = {
    server: opts.server,
    kioskId: opts.kioskId,
    secret: opts.secret,
    ...DEFAULT_WIRING,
    dataDir: opts.dataDir ?? `pivote-kiosk-${opts.kioskId ?? 'data'}`,
    gpio: 'auto',
  };
  try {
    const config = validateKioskConfig(raw);
    return { ...config, secret: config.secret as string, dataDir: resolve(config.dataDir) };
  } catch (err) {
    // Name the flag, not the config key the flags were turned into.
    const key = isPivoteError(err) ? err.details?.key : undefined;
    const flag = typeof key === 'string' ? FLAG_OF_KEY[key] : undefined;
    if (isPivoteError(err) && flag !== undefined) {
      throw new PivoteError(err.code, `${flag}: ${err.message.replace(/^config key "[^"]+" /, '')}`, { ...err.details, flag });
    }
    throw err;
  }
}
