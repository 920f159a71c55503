import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parsePin } from '../../gpio/pin-names.js';
import { isPivoteError, PivoteError } from '../../protocol/errors.js';
import { KIOSK_ID_PATTERN, MAX_OPTIONS, MIN_OPTIONS } from '../../protocol/messages.js';
import { unreadableFileError } from '../os-errors.js';
import { DEFAULT_LOCKOUT_MS } from '../state/kiosk-machine.js';
import { parseServerAddress, type ServerAddress } from '../transport/server-address.js';
import { locateJsonError } from './json-error.js';

/**
 * The kiosk's one config file (hardware/kiosk.example.json). `validateKioskConfig` is pure: it
 * takes parsed JSON and returns a typed config or throws ONE PivoteError that names the key
 * (details.key) and says what is wrong: PV_CONFIG_MISSING for an absent required key,
 * PV_GPIO_RESERVED for a power, ground or ID-EEPROM pin, PV_CONFIG_INVALID for everything else.
 * Unknown keys are refused, so a typo such as "lockoutMS" does not silently fall back to the
 * default. Reading the file: PV_CONFIG_UNREADABLE, PV_CONFIG_SYNTAX (with line and column).
 */

export const GPIO_CHOICES = ['auto', 'mock', 'onoff', 'pigpio', 'chardev'] as const;
export type GpioChoice = (typeof GPIO_CHOICES)[number];

export const DEFAULT_DEBOUNCE_MS = 30;

export interface KioskTlsConfig {
  /** PEM file with the CA (or self-signed certificate) to trust instead of the system store. */
  ca?: string;
  /** Pin the server certificate: SHA-256 of its DER, lower-case hex without colons. */
  fingerprint?: string;
}

export interface KioskConfig {
  /** In failover order. */
  servers: ServerAddress[];
  kioskId: string;
  /** Exactly one of secret / secretFile is set. */
  secret: string | undefined;
  secretFile: string | undefined;
  /** Pin names as written (GPIO17, BCM17, BOARD11, 17); button i is option i. */
  buttons: string[];
  leds: string[];
  statusLed: string;
  debounceMs: number;
  lockoutMs: number;
  holdMs: number | undefined;
  dataDir: string;
  gpio: GpioChoice;
  tls: KioskTlsConfig | undefined;
  heartbeatMs: number | undefined;
}

/** After loading: the secret is read, relative paths are resolved against the config's folder. */
export interface LoadedKioskConfig extends KioskConfig {
  secret: string;
  configPath: string;
}

const KEYS = [
  'server', 'kioskId', 'secret', 'secretFile', 'buttons', 'leds', 'statusLed', 'debounceMs',
  'lockoutMs', 'holdMs', 'dataDir', 'gpio', 'tls', 'heartbeatMs',
] as const;
const TLS_KEYS = ['ca', 'fingerprint'];

/** Syntax only; the GPIO layer checks that the pin exists and is free. */
const PIN = /^(?:(?:GPIO|BCM)?(\d{1,2})|BOARD(\d{1,2}))$/i;
const SHA256_HEX = /^[0-9a-f]{64}$/;

type Obj = Record<string, unknown>;

function missing(key: string, what: string): PivoteError {
  return new PivoteError('PV_CONFIG_MISSING', `config key "${key}" is missing: ${what}`, { key });
}

function invalid(key: string, what: string, extra: Obj = {}): PivoteError {
  return new PivoteError('PV_CONFIG_INVALID', `config key "${key}" ${what}`, { key, ...extra });
}

export function validateKioskConfig(raw: unknown): KioskConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PivoteError('PV_CONFIG_INVALID', 'the kiosk config must be a JSON object', { key: '' });
  }
  const o = raw as Obj;
  for (const key of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(key)) throw invalid(key, `is not a known key (known: ${KEYS.join(', ')})`);
  }

  const servers = parseServers(o.server);
  const kioskId = requiredString(o, 'kioskId', 'the id this kiosk was registered with (`pivote fleet add`)');
  if (!KIOSK_ID_PATTERN.test(kioskId)) throw invalid('kioskId', 'may hold only letters, digits, ".", "-" and "_" (1-64 characters)');

  const hasSecret = o.secret !== undefined;
  const hasSecretFile = o.secretFile !== undefined;
  if (hasSecret && hasSecretFile) throw invalid('secretFile', 'cannot be given together with "secret"; keep one');
  if (!hasSecret && !hasSecretFile) throw missing('secret', 'give "secret" or "secretFile" (a file holding the secret)');
  const secret = hasSecret ? requiredString(o, 'secret', '') : undefined;
  const secretFile = hasSecretFile ? requiredString(o, 'secretFile', '') : undefined;

  const buttons = pinList(o, 'buttons');
  if (buttons.length < MIN_OPTIONS || buttons.length > MAX_OPTIONS) {
    throw invalid('buttons', `must list ${MIN_OPTIONS} to ${MAX_OPTIONS} pins, got ${buttons.length}`);
  }
  const leds = pinList(o, 'leds');
  if (leds.length !== buttons.length) {
    throw invalid('leds', `must list one LED per button (${buttons.length}), got ${leds.length}`);
  }
  if (o.statusLed === undefined) throw missing('statusLed', 'the pin of the status LED');
  const statusLed = pin(o.statusLed, 'statusLed');
  checkDistinctPins([
    ...buttons.map((p, i) => ({ key: 'buttons', index: i, pin: p })),
    ...leds.map((p, i) => ({ key: 'leds', index: i, pin: p })),
    { key: 'statusLed', index: undefined, pin: statusLed },
  ]);

  const debounceMs = optionalInt(o, 'debounceMs', 0, 1000) ?? DEFAULT_DEBOUNCE_MS;
  const lockoutMs = optionalInt(o, 'lockoutMs', 0, 60_000) ?? DEFAULT_LOCKOUT_MS;
  const holdMs = optionalInt(o, 'holdMs', 100, 60_000);
  const dataDir = requiredString(o, 'dataDir', 'the folder for the outbox, e.g. "/var/lib/pivote"');

  let gpio: GpioChoice = 'auto';
  if (o.gpio !== undefined) {
    if (!(GPIO_CHOICES as readonly unknown[]).includes(o.gpio)) throw invalid('gpio', `must be one of ${GPIO_CHOICES.join(', ')}`);
    gpio = o.gpio as GpioChoice;
  }
  const tls = parseTls(o.tls);
  const heartbeatMs = optionalInt(o, 'heartbeatMs', 1000, 3_600_000);

  return { servers, kioskId, secret, secretFile, buttons, leds, statusLed, debounceMs, lockoutMs, holdMs, dataDir, gpio, tls, heartbeatMs };
}

export interface ConfigIo {
  readFile(path: string): string;
}

const defaultIo: ConfigIo = { readFile: (p) => readFileSync(p, 'utf8') };

/**
 * Reads and validates the config file, resolves `secretFile`, `dataDir` and `tls.ca` relative to
 * the config file's folder, and reads the secret (trailing newline trimmed).
 */
export function loadKioskConfig(path: string, io: ConfigIo = defaultIo): LoadedKioskConfig {
  const configPath = resolve(path);
  let text: string;
  try {
    text = io.readFile(configPath);
  } catch (err) {
    throw unreadableFileError('the kiosk config', configPath, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const at = locateJsonError(text);
    throw new PivoteError('PV_CONFIG_SYNTAX', `the kiosk config ${configPath} is not valid JSON at line ${at.line}, column ${at.column}: ${at.problem}`, {
      path: configPath,
      line: at.line,
      column: at.column,
    });
  }
  const config = validateKioskConfig(raw);
  const base = dirname(configPath);
  const secretFile = config.secretFile === undefined ? undefined : resolve(base, config.secretFile);
  let secret = config.secret;
  if (secretFile !== undefined) {
    try {
      secret = io.readFile(secretFile).trim();
    } catch (err) {
      throw unreadableFileError('the kiosk secret (config key "secretFile")', secretFile, err, { key: 'secretFile' });
    }
    if (secret.length === 0) throw invalid('secretFile', `names an empty file (${secretFile})`, { path: secretFile });
  }
  const tls = config.tls && {
    ...config.tls,
    ...(config.tls.ca !== undefined && { ca: resolve(base, config.tls.ca) }),
  };
  return { ...config, secret: secret as string, secretFile, dataDir: resolve(base, config.dataDir), tls, configPath };
}

function parseServers(value: unknown): ServerAddress[] {
  if (value === undefined) throw missing('server', 'give "host:port" (or "host" for port 7070), or a list of them for failover');
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string')) {
    throw invalid('server', 'must be "host:port" or "host", or a non-empty list of them');
  }
  return list.map((s: string, index) => {
    const parsed = parseServerAddress(s.trim());
    if (!parsed.ok) throw invalid('server', `has a bad entry: ${parsed.problem}`, { index });
    return parsed.address;
  });
}

function requiredString(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (v === undefined) throw missing(key, what);
  if (typeof v !== 'string' || v.trim() === '') throw invalid(key, 'must be a non-empty string');
  return v;
}

function optionalInt(o: Obj, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(key, `must be a whole number of ms from ${min} to ${max}`);
  }
  return v;
}

function pin(value: unknown, key: string, index?: number): string {
  const where = index === undefined ? {} : { index };
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') throw invalid(key, 'must hold pin names such as "GPIO17", "BCM17", "BOARD11" or 17', where);
  const m = PIN.exec(value.trim());
  const bcm = m?.[1] === undefined ? undefined : Number(m[1]);
  const board = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (bcm !== undefined && bcm > 27) || (board !== undefined && (board < 1 || board > 40))) {
    throw invalid(key, `has ${JSON.stringify(value)}, which is not a pin name (GPIO0-27, BCM0-27, BOARD1-40 or 0-27)`, where);
  }
  try {
    parsePin(value.trim());
  } catch (err) {
    // A power, ground or ID-EEPROM pin: the GPIO layer's reason, said about this key.
    if (!isPivoteError(err)) throw err;
    const reason = err.message.replace(/^"[^"]*" \(header pin (\d+)\)/, 'header pin $1');
    throw new PivoteError(err.code, `config key "${key}" has ${JSON.stringify(value)}: ${reason}`, { ...err.details, key, ...where });
  }
  return value.trim();
}

function pinList(o: Obj, key: string): string[] {
  const v = o[key];
  if (v === undefined) throw missing(key, 'a list of pins, e.g. ["GPIO5", "GPIO6"]');
  if (!Array.isArray(v)) throw invalid(key, 'must be a list of pin names');
  return v.map((p: unknown, i) => pin(p, key, i));
}

/** Same physical pin written two ways (GPIO17, BCM17, 17 and BOARD11) is caught. */
function pinIdentity(name: string): string {
  return `BCM${parsePin(name)}`;
}

function checkDistinctPins(pins: { key: string; index: number | undefined; pin: string }[]): void {
  const seen = new Map<string, { key: string; index: number | undefined }>();
  for (const p of pins) {
    const id = pinIdentity(p.pin);
    const first = seen.get(id);
    if (first) {
      const at = (k: string, i: number | undefined) => (i === undefined ? k : `${k}[${i}]`);
      throw invalid(p.key, `uses pin ${p.pin} at ${at(p.key, p.index)}, already used at ${at(first.key, first.index)}`, {
        ...(p.index !== undefined && { index: p.index }),
      });
    }
    seen.set(id, p);
  }
}

function parseTls(value: unknown): KioskTlsConfig | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('tls', 'must be an object such as {"ca": "server.pem"} or {"fingerprint": "<sha256>"}');
  }
  const t = value as Obj;
  for (const k of Object.keys(t)) {
    if (!TLS_KEYS.includes(k)) throw invalid(`tls.${k}`, `is not a known key (known: ${TLS_KEYS.join(', ')})`);
  }
  const out: KioskTlsConfig = {};
  if (t.ca !== undefined) {
    if (typeof t.ca !== 'string' || t.ca.trim() === '') throw invalid('tls.ca', 'must be the path of a PEM file');
    out.ca = t.ca;
  }
  if (t.fingerprint !== undefined) {
    const fp = typeof t.fingerprint === 'string' ? t.fingerprint.replaceAll(':', '').toLowerCase() : '';
    if (!SHA256_HEX.test(fp)) throw invalid('tls.fingerprint', 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed');
    out.fingerprint = fp;
  }
  return out;
}
