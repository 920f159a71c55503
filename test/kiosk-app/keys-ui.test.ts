import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startKiosk, type KioskApp } from '../../src/kiosk/app/kiosk-app.js';
import {
  describeFeedback, ENTER_SCREEN, keyActions, LEAVE_SCREEN, renderKeysScreen, toTerminalFrame, type KeysScreenState,
} from '../../src/kiosk/app/keys-screen.js';
import { startKeysUi, type KeysInput } from '../../src/kiosk/app/keys-ui.js';
import { Outbox, outboxPath } from '../../src/kiosk/outbox/outbox.js';
import { waitFor } from './wait.js';

const base: KeysScreenState = {
  kioskId: 'laptop-1',
  server: '127.0.0.1:7070',
  backend: 'mock',
  connection: 'online',
  reachedServer: true,
  poll: { id: 3, question: 'Best talk?', options: ['Keynote', 'Workshop', 'Panel'], openedAt: 1 },
  leds: [true, false, true, false],
  statusLit: true,
  queued: 2,
  message: '2 (Workshop): counted',
  logFile: '/tmp/k/kiosk.log',
  color: false,
};

describe('renderKeysScreen (pure)', () => {
  it('draws each LED with its option, the status LED, the queue and the keys', () => {
    const screen = renderKeysScreen(base);
    expect(screen.split('\n')).toEqual([
      'pivote kiosk laptop-1  (mock GPIO)  server 127.0.0.1:7070',
      '',
      'Poll 3: Best talk?',
      '',
      '  [1]  ●  Keynote',
      '  [2]  ○  Workshop',
      '  [3]  ●  Panel',
      '  [4]  ○  (not an option)',
      '',
      '  status ●  online',
      '  queued votes: 2',
      '',
      'Press 1-4 to vote, q to quit.  2 (Workshop): counted',
      'Logs: /tmp/k/kiosk.log',
      '',
    ]);
  });

  it('says when no poll is open and when the kiosk is offline', () => {
    const screen = renderKeysScreen({ ...base, poll: null, connection: 'offline', leds: [false, false], message: '', logFile: undefined });
    expect(screen).toMatch(/No poll is open/);
    expect(screen).toMatch(/status ●  offline: waiting for the server/);
    expect(screen).toMatch(/Press 1-2 to vote, q to quit\.\n$/);
    // With a poll known, offline presses are kept.
    expect(renderKeysScreen({ ...base, connection: 'offline' })).toMatch(/status ●  offline: votes are kept and sent later/);
  });

  it('a kiosk that has never reached the server says it is waiting for it, not that no poll is open', () => {
    for (const connection of ['connecting', 'offline'] as const) {
      const screen = renderKeysScreen({ ...base, poll: null, reachedServer: false, connection });
      expect(screen).not.toMatch(/No poll is open/);
      expect(screen).toMatch(/Waiting for the server to say which poll is open: presses are not recorded yet\./);
      expect(screen).toMatch(connection === 'offline' ? /waiting for the server: not reached yet/ : /connecting to the server…/);
    }
  });

  it('names the refusal: bad secret, revoked, a second device with this id', () => {
    expect(renderKeysScreen({ ...base, connection: 'error', refusedWith: 'PV_AUTH_FAILED' })).toMatch(/check kiosk id and secret/);
    expect(renderKeysScreen({ ...base, connection: 'error', refusedWith: 'PV_KIOSK_REVOKED' })).toMatch(/revoked/);
    expect(renderKeysScreen({ ...base, connection: 'error', refusedWith: 'PV_KIOSK_ID_CONFLICT' })).toMatch(/another device uses this kiosk id/);
    expect(renderKeysScreen({ ...base, connection: 'error', refusedWith: 'PV_INTERNAL' })).toMatch(/refused by the server \(PV_INTERNAL\)/);
  });

  it('tells the voter what became of a press: counted, saved and sent later, not accepted and why, ignored', () => {
    const poll = base.poll;
    expect(describeFeedback({ kind: 'confirmed', button: 2, flagged: false }, poll)).toBe('2 (Workshop): counted');
    expect(describeFeedback({ kind: 'confirmed', button: 2, flagged: true }, poll)).toMatch(/^2 \(Workshop\): stored, but flagged as a repeated press/);
    expect(describeFeedback({ kind: 'savedOffline', button: 1 }, poll)).toBe('1 (Keynote): saved, will be sent when the server answers');
    expect(describeFeedback({ kind: 'notAccepted', button: 4, reason: { kind: 'notAnOption', options: 3 } }, poll)).toBe(
      '4: not accepted: the poll has only 3 options',
    );
    expect(describeFeedback({ kind: 'notAccepted', button: 1, reason: { kind: 'noPoll' } }, null)).toBe('1: not accepted: no poll is open');
    expect(describeFeedback({ kind: 'notAccepted', button: 3, reason: { kind: 'refused', code: 'PV_POLL_CLOSED' } }, poll)).toBe(
      '3 (Panel): not accepted: the server refused it (pressed after the poll closed)',
    );
    expect(describeFeedback({ kind: 'ignored', button: 1, remainingMs: 1200 }, poll)).toBe('1 (Keynote): ignored: too soon after the last vote (1.2 s left)');
    expect(describeFeedback({ kind: 'status', status: 'online' }, poll)).toBeUndefined();
  });

  it('colours lit LEDs only when asked', () => {
    expect(renderKeysScreen({ ...base, color: true })).toContain('\u001b[1;32m●\u001b[0m');
    expect(renderKeysScreen(base)).not.toContain('\u001b[');
  });

  it('a frame homes the cursor and clears the screen first', () => {
    expect(toTerminalFrame('a\nb\n')).toBe('\u001b[H\u001b[2Ja\nb\n');
  });
});

describe('keyActions', () => {
  it('number keys press buttons that exist; q, Ctrl-C and Ctrl-D quit; the rest is ignored', () => {
    expect(keyActions('2', 4)).toEqual([{ type: 'press', button: 2 }]);
    expect(keyActions('5', 4)).toEqual([{ type: 'ignore' }]);
    expect(keyActions('0', 4)).toEqual([{ type: 'ignore' }]);
    expect(keyActions('q', 4)).toEqual([{ type: 'quit' }]);
    expect(keyActions('\u0003', 4)).toEqual([{ type: 'quit' }]);
    expect(keyActions('\u0004', 4)).toEqual([{ type: 'quit' }]);
    expect(keyActions('13', 4)).toEqual([{ type: 'press', button: 1 }, { type: 'press', button: 3 }]);
    expect(keyActions('\u001b[15~', 4)).toEqual([]); // F5 holds digits
  });
});

class FakeTty extends EventEmitter implements KeysInput {
  isTTY = true;
  raw: boolean[] = [];
  paused = false;
  setRawMode(mode: boolean) {
    this.raw.push(mode);
    return this;
  }
  setEncoding() {
    return this;
  }
  resume() {
    this.paused = false;
    return this;
  }
  pause() {
    this.paused = true;
    return this;
  }
  override on(event: 'data', listener: (chunk: string) => void) {
    return super.on(event, listener);
  }
  override off(event: 'data', listener: (chunk: string) => void) {
    return super.off(event, listener);
  }
}

describe('startKeysUi with a kiosk on the mock backend', () => {
  let app: KioskApp | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    app = undefined;
    dir = undefined;
  });

  it('a number key goes through the mock pin (press, release), the screen redraws, q quits and restores the terminal', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pivote-keys-'));
    const seed = new Outbox(outboxPath(dir));
    seed.saveLastPoll({ id: 1, question: 'Tea or coffee?', options: ['Tea', 'Coffee'], openedAt: 1 });
    seed.close();
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));

    let onLed: (() => void) | undefined;
    let ui: ReturnType<typeof startKeysUi> | undefined;
    app = await startKiosk(
      {
        servers: [{ host: '127.0.0.1', port }],
        kioskId: 'keys-1',
        secret: 'x'.repeat(32),
        secretFile: undefined,
        buttons: ['GPIO5', 'GPIO6', 'GPIO13', 'GPIO19'],
        leds: ['GPIO17', 'GPIO27', 'GPIO22', 'GPIO23'],
        statusLed: 'GPIO24',
        debounceMs: 20,
        lockoutMs: 200,
        holdMs: undefined,
        dataDir: dir,
        gpio: 'mock',
        tls: undefined,
        heartbeatMs: undefined,
      },
      { logger: pino({ level: 'silent' }), onLedChange: () => onLed?.(), onFeedback: (c) => ui?.feedback(c) },
    );
    const tty = new FakeTty();
    const out: string[] = [];
    let quits = 0;
    ui = startKeysUi({ app, input: tty, write: (t) => void out.push(t), onQuit: () => quits++, color: false });
    onLed = () => ui?.ledChanged();
    expect(tty.raw).toEqual([true]);
    expect(out[0]).toBe(ENTER_SCREEN);
    await waitFor(() => out.some((f) => f.includes('Tea or coffee?') && f.includes('[1]  ●  Tea')), 'first frame');

    const pin = app.mock!.pin(6);
    tty.emit('data', '2');
    expect(pin.level).toBe(0); // pressed: active-low button pulls the pin to GND
    await waitFor(() => app!.outbox.pendingCount() === 1, 'the press to be recorded');
    expect(app.outbox.pending()[0]).toMatchObject({ button: 2, pollId: 1 });
    await waitFor(() => pin.level === 1, 'the key to be released');
    // The server is down: the voter is told the vote is saved and will be sent.
    await waitFor(() => out.at(-1)!.includes('queued votes: 1') && out.at(-1)!.includes('2 (Coffee): saved, will be sent when the server answers'), 'the redraw');

    tty.emit('data', 'q');
    expect(quits).toBe(1);
    ui.stop();
    ui.stop();
    expect(tty.raw).toEqual([true, false]);
    expect(tty.paused).toBe(true);
    expect(out.at(-1)).toBe(LEAVE_SCREEN);
    const frames = out.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(out.length).toBe(frames); // no redraw after stop
  });
});
