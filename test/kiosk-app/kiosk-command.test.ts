import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WIRING, resolveKioskConfig } from '../../src/cli/kiosk-config.js';
import { parseControlCommand } from '../../src/kiosk/app/mock-control.js';
import { expectPvError, run } from '../cli/helpers.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-kcmd-'));
  dirs.push(dir);
  const path = join(dir, 'kiosk.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const GOOD = {
  server: '127.0.0.1:7070',
  kioskId: 'hall-1',
  secret: 's3cret-s3cret',
  buttons: ['GPIO5', 'GPIO6'],
  leds: ['GPIO17', 'GPIO27'],
  statusLed: 'GPIO24',
  dataDir: 'data',
};

describe('pivote kiosk: configuration errors (one message naming the key, exit 1)', () => {
  it('a bad value names its key', async () => {
    const r = await run(['kiosk', '--config', configFile({ ...GOOD, lockoutMs: -5 }), '--gpio', 'mock']);
    expectPvError(r, 'PV_CONFIG_INVALID');
    expect(r.stderr).toMatch(/config key "lockoutMs"/);
  });

  it('a missing key names it', async () => {
    const { kioskId: _drop, ...noId } = GOOD;
    const r = await run(['kiosk', '--config', configFile(noId)]);
    expectPvError(r, 'PV_CONFIG_MISSING');
    expect(r.stderr).toMatch(/config key "kioskId" is missing/);
  });

  it('a file that is not JSON says where', async () => {
    const r = await run(['kiosk', '--config', configFile('{\n  "server": "a:1",\n}')]);
    expectPvError(r, 'PV_CONFIG_SYNTAX');
    expect(r.stderr).toMatch(/is not valid JSON at line 3, column 1: a trailing comma/);
  });

  it('flags: a bad --server names the flag and is a usage error', async () => {
    const r = await run(['kiosk', '--gpio', 'mock', '--server', 'no host', '--kiosk-id', 'k', '--secret', 's']);
    expectPvError(r, 'PV_USAGE');
    expect(r.stderr).toMatch(/^error PV_USAGE: --server: /);
  });

  it('flags: a missing --kiosk-id asks for the flag, not a config key', async () => {
    const r = await run(['kiosk', '--gpio', 'mock', '--server', '127.0.0.1', '--secret', 's']);
    expectPvError(r, 'PV_USAGE');
    expect(r.stderr).toMatch(/--kiosk-id ID/);
    expect(r.stderr).not.toMatch(/config key|config file|kiosk.example.json/);
  });

  it.each([
    [['kiosk'], 'neither config nor flags'],
    [['kiosk', '--config', 'x.json', '--server', '127.0.0.1:1'], 'both config and flags'],
    [['kiosk', '--gpio', 'banana', '--config', 'x.json'], 'unknown backend'],
    [['kiosk', '--gpio', 'mock', '--config', 'x.json', '--log-level', 'loud'], 'unknown log level'],
  ])('usage error: %j (%s)', async (args) => {
    expectPvError(await run(args), 'PV_USAGE');
  });

  it('--keys and --mock-control need --gpio mock', async () => {
    const path = configFile({ ...GOOD, gpio: 'onoff' });
    const keys = await run(['kiosk', '--config', path, '--keys']);
    expectPvError(keys, 'PV_USAGE');
    expect(keys.stderr).toMatch(/--gpio mock/);
    expectPvError(await run(['kiosk', '--config', path, '--mock-control']), 'PV_USAGE');
  });

  it('the help documents the laptop flags and the test-only control', async () => {
    const r = await run(['kiosk', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--keys/);
    expect(r.stdout).toMatch(/--mock-control\s+for tests/);
    expect(r.stdout).toMatch(/--gpio mock --keys --server/);
  });
});

describe('resolveKioskConfig', () => {
  it('flags give the default wiring and a data dir in the user\'s state folder, never the current folder', () => {
    const config = resolveKioskConfig(
      { logLevel: 'info', server: ['127.0.0.1:7070', 'backup'], kioskId: 'laptop-1', secret: 'abc' },
      { env: { HOME: '/home/ada' } },
    );
    expect(config).toMatchObject({
      servers: [{ host: '127.0.0.1', port: 7070 }, { host: 'backup', port: 7070 }],
      kioskId: 'laptop-1',
      secret: 'abc',
      ...DEFAULT_WIRING,
      dataDir: '/home/ada/.local/state/pivote/kiosk-laptop-1',
      lockoutMs: 1500,
    });
    const xdg = resolveKioskConfig({ logLevel: 'info', server: ['h'], kioskId: 'k', secret: 'abc' }, { env: { HOME: '/home/ada', XDG_STATE_HOME: '/var/state/ada' } });
    expect(xdg.dataDir).toBe('/var/state/ada/pivote/kiosk-k');
  });

  it('--secret-file reads the secret (trailing newline trimmed); an unreadable or empty one is refused', () => {
    const files: Record<string, string> = { [resolve('k.secret')]: 'abc\n', [resolve('empty.secret')]: '\n' };
    const readFile = (p: string): string => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    };
    const opts = { logLevel: 'info', server: ['h'], kioskId: 'k' };
    expect(resolveKioskConfig({ ...opts, secretFile: 'k.secret' }, { env: {}, readFile }).secret).toBe('abc');
    expect(() => resolveKioskConfig({ ...opts, secretFile: 'missing.secret' }, { env: {}, readFile })).toThrow(
      expect.objectContaining({ code: 'PV_CONFIG_UNREADABLE', message: expect.stringMatching(/--secret-file.*no such file/) }),
    );
    expect(() => resolveKioskConfig({ ...opts, secretFile: 'empty.secret' }, { env: {}, readFile })).toThrow(expect.objectContaining({ code: 'PV_USAGE' }));
    expect(() => resolveKioskConfig({ ...opts, secret: 'a', secretFile: 'k.secret' }, { env: {}, readFile })).toThrow(expect.objectContaining({ code: 'PV_USAGE' }));
  });

  it('--data-dir overrides the config file', () => {
    const config = resolveKioskConfig({ logLevel: 'info', config: configFile(GOOD), dataDir: 'elsewhere' });
    expect(config.dataDir).toBe(resolve('elsewhere'));
    expect(config.kioskId).toBe('hall-1');
  });
});

describe('mock control commands', () => {
  it.each([
    ['press 2', { type: 'press', button: 2 }],
    ['  down 1 ', { type: 'down', button: 1 }],
    ['up 1', { type: 'up', button: 1 }],
    ['stats', { type: 'stats' }],
    ['quit', { type: 'quit' }],
  ])('%j', (line, command) => {
    expect(parseControlCommand(line)).toEqual(command);
  });

  it.each(['press', 'press x', 'press 1 2', 'jump', 'stats now'])('refuses %j', (line) => {
    expect(parseControlCommand(line).type).toBe('invalid');
  });
});
