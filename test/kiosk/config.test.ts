import { describe, expect, it } from 'vitest';
import { isPivoteError, type ErrorCode } from '../../src/protocol/errors.js';
import { loadKioskConfig, validateKioskConfig } from '../../src/kiosk/config/config.js';

const good = {
  server: 'tally.local:7700',
  kioskId: 'hall-1',
  secret: 's3cret-s3cret',
  buttons: ['GPIO5', 'GPIO6', 'GPIO13'],
  leds: ['GPIO17', 'GPIO27', 'GPIO22'],
  statusLed: 'GPIO26',
  dataDir: '/var/lib/pivote',
};

function without(key: keyof typeof good): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...good };
  delete copy[key];
  return copy;
}

function thrown(fn: () => unknown): { code: ErrorCode; key: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    if (isPivoteError(err)) return { code: err.code, key: err.details?.key, message: err.message };
    throw err;
  }
  throw new Error('expected a PivoteError');
}

describe('validateKioskConfig', () => {
  it('fills in defaults', () => {
    expect(validateKioskConfig(good)).toEqual({
      servers: [{ host: 'tally.local', port: 7700 }],
      kioskId: 'hall-1',
      secret: 's3cret-s3cret',
      secretFile: undefined,
      buttons: ['GPIO5', 'GPIO6', 'GPIO13'],
      leds: ['GPIO17', 'GPIO27', 'GPIO22'],
      statusLed: 'GPIO26',
      debounceMs: 30,
      lockoutMs: 1500,
      holdMs: undefined,
      dataDir: '/var/lib/pivote',
      gpio: 'auto',
      tls: undefined,
      heartbeatMs: undefined,
    });
  });

  it('accepts every optional key', () => {
    const config = validateKioskConfig({
      ...without('secret'),
      secretFile: 'kiosk.secret',
      server: ['a.example:7700', '10.0.0.2:7701', '[fe80::1]:7702'],
      buttons: ['BCM5', 6, 'BOARD33', 'gpio19'],
      leds: ['17', 'GPIO27', 'GPIO22', 'GPIO23'],
      debounceMs: 0,
      lockoutMs: 0,
      holdMs: 3000,
      gpio: 'mock',
      tls: { ca: 'server.pem', fingerprint: 'AB:'.repeat(31) + 'AB' },
      heartbeatMs: 5000,
    });
    expect(config.servers).toEqual([
      { host: 'a.example', port: 7700 },
      { host: '10.0.0.2', port: 7701 },
      { host: 'fe80::1', port: 7702 },
    ]);
    expect(config.secretFile).toBe('kiosk.secret');
    expect(config.buttons).toEqual(['BCM5', '6', 'BOARD33', 'gpio19']);
    expect(config.tls).toEqual({ ca: 'server.pem', fingerprint: 'ab'.repeat(32) });
    expect(config).toMatchObject({ debounceMs: 0, lockoutMs: 0, holdMs: 3000, gpio: 'mock', heartbeatMs: 5000 });
  });

  const bad: [string, unknown, ErrorCode, string][] = [
    ['not an object', [], 'PV_CONFIG_INVALID', ''],
    ['unknown key (typo)', { ...good, lockoutMS: 100 }, 'PV_CONFIG_INVALID', 'lockoutMS'],
    ['server missing', without('server'), 'PV_CONFIG_MISSING', 'server'],
    ['server with a port out of range', { ...good, server: 'tally.local:70000' }, 'PV_CONFIG_INVALID', 'server'],
    ['server port out of range', { ...good, server: 'tally.local:70000' }, 'PV_CONFIG_INVALID', 'server'],
    ['server empty list', { ...good, server: [] }, 'PV_CONFIG_INVALID', 'server'],
    ['server list with a bad entry', { ...good, server: ['a:1', 'b c'] }, 'PV_CONFIG_INVALID', 'server'],
    ['server a number', { ...good, server: 7700 }, 'PV_CONFIG_INVALID', 'server'],
    ['kioskId missing', without('kioskId'), 'PV_CONFIG_MISSING', 'kioskId'],
    ['kioskId with spaces', { ...good, kioskId: 'hall 1' }, 'PV_CONFIG_INVALID', 'kioskId'],
    ['kioskId empty', { ...good, kioskId: '' }, 'PV_CONFIG_INVALID', 'kioskId'],
    ['neither secret nor secretFile', without('secret'), 'PV_CONFIG_MISSING', 'secret'],
    ['both secret and secretFile', { ...good, secretFile: 'x' }, 'PV_CONFIG_INVALID', 'secretFile'],
    ['secret empty', { ...good, secret: '  ' }, 'PV_CONFIG_INVALID', 'secret'],
    ['secret not a string', { ...good, secret: 42 }, 'PV_CONFIG_INVALID', 'secret'],
    ['buttons missing', without('buttons'), 'PV_CONFIG_MISSING', 'buttons'],
    ['buttons not a list', { ...good, buttons: 'GPIO5' }, 'PV_CONFIG_INVALID', 'buttons'],
    ['one button', { ...good, buttons: ['GPIO5'], leds: ['GPIO17'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['nine buttons', { ...good, buttons: ['2', '3', '4', '5', '6', '7', '8', '9', '10'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['a button that is not a pin name', { ...good, buttons: ['GPIO5', 'PIN6', 'GPIO13'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['a BCM number beyond the header', { ...good, buttons: ['GPIO5', 'GPIO40', 'GPIO13'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['a BOARD pin beyond 40', { ...good, buttons: ['GPIO5', 'BOARD41', 'GPIO13'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['leds missing', without('leds'), 'PV_CONFIG_MISSING', 'leds'],
    ['fewer leds than buttons', { ...good, leds: ['GPIO17', 'GPIO27'] }, 'PV_CONFIG_INVALID', 'leds'],
    ['an led given as an object', { ...good, leds: ['GPIO17', {}, 'GPIO22'] }, 'PV_CONFIG_INVALID', 'leds'],
    ['statusLed missing', without('statusLed'), 'PV_CONFIG_MISSING', 'statusLed'],
    ['statusLed not a pin', { ...good, statusLed: 'red' }, 'PV_CONFIG_INVALID', 'statusLed'],
    ['statusLed on the HAT EEPROM pin BOARD27', { ...good, statusLed: 'BOARD27' }, 'PV_GPIO_RESERVED', 'statusLed'],
    ['a button on the 3.3 V pin BOARD1', { ...good, buttons: ['GPIO5', 'BOARD1', 'GPIO13'] }, 'PV_GPIO_RESERVED', 'buttons'],
    ['an LED on GPIO0 (HAT EEPROM)', { ...good, leds: ['GPIO17', 'GPIO0', 'GPIO22'] }, 'PV_GPIO_RESERVED', 'leds'],
    ['a button on a ground pin', { ...good, buttons: ['BOARD6', 'GPIO6', 'GPIO13'] }, 'PV_GPIO_RESERVED', 'buttons'],
    ['the same pin as GPIO17 and BOARD11', { ...good, leds: ['GPIO17', 'BOARD11', 'GPIO22'] }, 'PV_CONFIG_INVALID', 'leds'],
    ['the same pin twice among buttons', { ...good, buttons: ['GPIO5', 'BCM5', 'GPIO13'] }, 'PV_CONFIG_INVALID', 'buttons'],
    ['an LED on a button pin', { ...good, leds: ['GPIO17', '5', 'GPIO22'] }, 'PV_CONFIG_INVALID', 'leds'],
    ['statusLed on an LED pin', { ...good, statusLed: 'GPIO22' }, 'PV_CONFIG_INVALID', 'statusLed'],
    ['debounceMs negative', { ...good, debounceMs: -1 }, 'PV_CONFIG_INVALID', 'debounceMs'],
    ['debounceMs a string', { ...good, debounceMs: '30' }, 'PV_CONFIG_INVALID', 'debounceMs'],
    ['lockoutMs fractional', { ...good, lockoutMs: 1.5 }, 'PV_CONFIG_INVALID', 'lockoutMs'],
    ['holdMs too short', { ...good, holdMs: 10 }, 'PV_CONFIG_INVALID', 'holdMs'],
    ['dataDir missing', without('dataDir'), 'PV_CONFIG_MISSING', 'dataDir'],
    ['dataDir empty', { ...good, dataDir: '' }, 'PV_CONFIG_INVALID', 'dataDir'],
    ['gpio unknown backend', { ...good, gpio: 'wiringpi' }, 'PV_CONFIG_INVALID', 'gpio'],
    ['tls not an object', { ...good, tls: true }, 'PV_CONFIG_INVALID', 'tls'],
    ['tls unknown key', { ...good, tls: { cert: 'x' } }, 'PV_CONFIG_INVALID', 'tls.cert'],
    ['tls.ca empty', { ...good, tls: { ca: '' } }, 'PV_CONFIG_INVALID', 'tls.ca'],
    ['tls.fingerprint too short', { ...good, tls: { fingerprint: 'abcd' } }, 'PV_CONFIG_INVALID', 'tls.fingerprint'],
    ['heartbeatMs too small', { ...good, heartbeatMs: 10 }, 'PV_CONFIG_INVALID', 'heartbeatMs'],
  ];

  it.each(bad)('%s -> %s on key %s', (_name, raw, code, key) => {
    const err = thrown(() => validateKioskConfig(raw));
    expect(err.code).toBe(code);
    expect(err.key).toBe(key);
    if (key !== '') expect(err.message).toContain(`"${key}"`);
  });
});

describe('loadKioskConfig', () => {
  function io(files: Record<string, string>) {
    return {
      readFile(path: string): string {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return text;
      },
    };
  }

  it('reads the secret file and resolves paths relative to the config', () => {
    const raw = { ...without('secret'), secretFile: 'kiosk.secret', dataDir: 'data', tls: { ca: 'ca.pem' } };
    const config = loadKioskConfig('/etc/pivote/kiosk.json', io({
      '/etc/pivote/kiosk.json': JSON.stringify(raw),
      '/etc/pivote/kiosk.secret': 'abc123\n',
    }));
    expect(config).toMatchObject({
      secret: 'abc123',
      secretFile: '/etc/pivote/kiosk.secret',
      dataDir: '/etc/pivote/data',
      tls: { ca: '/etc/pivote/ca.pem' },
      configPath: '/etc/pivote/kiosk.json',
    });
  });

  it.each([
    ['no config file', {}, 'PV_CONFIG_UNREADABLE', undefined],
    ['not JSON', { '/c/kiosk.json': '{ server: ' }, 'PV_CONFIG_SYNTAX', undefined],
    ['secret file absent', { '/c/kiosk.json': JSON.stringify({ ...without('secret'), secretFile: 's' }) }, 'PV_CONFIG_UNREADABLE', 'secretFile'],
    [
      'secret file empty',
      { '/c/kiosk.json': JSON.stringify({ ...without('secret'), secretFile: 's' }), '/c/s': '\n' },
      'PV_CONFIG_INVALID',
      'secretFile',
    ],
    ['invalid content', { '/c/kiosk.json': JSON.stringify(without('leds')) }, 'PV_CONFIG_MISSING', 'leds'],
  ] as const)('%s -> %s', (_name, files, code, key) => {
    const err = thrown(() => loadKioskConfig('/c/kiosk.json', io(files)));
    expect(err.code).toBe(code);
    expect(err.key).toBe(key);
  });

  it('a reserved pin names the key and index and why the pin cannot be used', () => {
    expect(thrown(() => validateKioskConfig({ ...good, statusLed: 'BOARD27' })).message).toBe(
      'config key "statusLed" has "BOARD27": header pin 27 is ID_SD (HAT EEPROM), reserved for the HAT ID EEPROM',
    );
    expect(thrown(() => validateKioskConfig({ ...good, buttons: ['GPIO5', 'BOARD1', 'GPIO13'] })).message).toBe(
      'config key "buttons" has "BOARD1": header pin 1 is a 3.3 V power pin',
    );
  });

  it.each([
    ['a trailing comma', '{\n  "server": "a:1",\n  "kioskId": "k",\n}\n', 4, 1, /trailing comma/],
    ['a key without quotes', '{\n  server: "a:1"\n}', 2, 3, /key in double quotes/],
    ['single quotes', '{"server": \'a:1\'}', 1, 12, /double quotes/],
    ['a comment', '{\n  // the server\n  "server": "a:1"\n}', 2, 3, /key in double quotes/],
    ['a missing comma', '{\n  "server": "a:1"\n  "kioskId": "k"\n}', 3, 3, /expected "," or "}"/],
    ['cut short', '{"server": "a:1", "buttons": ["GPIO5"', 1, 38, /found the end of the file/],
    ['an empty file', '', 1, 1, /found the end of the file/],
  ] as const)('invalid JSON (%s) is PV_CONFIG_SYNTAX at its line and column', (_name, text, line, column, problem) => {
    const err = thrown(() => loadKioskConfig('/c/kiosk.json', io({ '/c/kiosk.json': text })));
    expect(err.code).toBe('PV_CONFIG_SYNTAX');
    expect(err.message).toContain(`/c/kiosk.json is not valid JSON at line ${line}, column ${column}: `);
    expect(err.message).toMatch(problem);
  });

  it('an unreadable config or secret file says which file and why', () => {
    const denied = { readFile: (p: string): string => { throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' }); } };
    expect(thrown(() => loadKioskConfig('/etc/pivote/kiosk.json', denied)).message).toBe(
      'cannot read the kiosk config /etc/pivote/kiosk.json: permission denied (EACCES)',
    );
    const secretDenied = {
      readFile: (p: string): string => {
        if (p.endsWith('.json')) return JSON.stringify({ ...without('secret'), secretFile: 'kiosk.secret' });
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    };
    const err = thrown(() => loadKioskConfig('/etc/pivote/kiosk.json', secretDenied));
    expect(err).toMatchObject({ code: 'PV_CONFIG_UNREADABLE', key: 'secretFile' });
    expect(err.message).toBe('cannot read the kiosk secret (config key "secretFile") /etc/pivote/kiosk.secret: permission denied (EACCES)');
  });
});
