import { afterEach, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import { KioskClient, type StatusDetail } from '../../src/kiosk/connection/client.js';
import type { ConnectionStatus } from '../../src/kiosk/connection/status.js';
import { Outbox } from '../../src/kiosk/outbox/outbox.js';
import { duplexPair } from '../server/helpers/duplex-pair.js';
import { startFixture, type Fixture } from '../server/helpers/fixture.js';

/**
 * A cloned SD card: two real kiosk clients with the same id and secret, on two addresses, against
 * a real server core. Without detection they replace each other for ever; with it both show the
 * error and wait minutes before knocking again.
 */

let f: Fixture | undefined;
const clients: KioskClient[] = [];
const outboxes: Outbox[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  for (const o of outboxes.splice(0)) o.close();
  await f?.teardown();
  f = undefined;
});

function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

describe('two kiosks with one id', () => {
  it('both end in the error status with PV_KIOSK_ID_CONFLICT and back off for at least a minute instead of flapping', async () => {
    f = await startFixture({ kiosks: ['hall-1'] });
    const fixture = f;
    const secret = f.secrets.get('hall-1')!;
    const attempts = [0, 0];
    const states: { status: ConnectionStatus; detail: StatusDetail | undefined }[] = [];
    for (const device of [0, 1]) {
      const outbox = new Outbox(':memory:');
      outboxes.push(outbox);
      const client = new KioskClient({
        servers: [{ host: 'tally', port: 7070 }],
        connect: (): Duplex => {
          attempts[device]!++;
          const [serverEnd, kioskEnd] = duplexPair();
          fixture.server.handleConnection(serverEnd, { address: `10.0.0.${device + 1}` });
          return kioskEnd;
        },
        identity: { kioskId: 'hall-1', secret, software: 'pivote/test', buttons: 4 },
        queue: outbox,
        clock: { nowMs: () => performance.now(), bootId: 'boot' },
        // Reconnect fast after PV_REPLACED, as a kiosk does after a welcome: this is what flaps.
        backoff: { baseMs: 20, capMs: 40 },
      });
      states[device] = { status: client.status, detail: undefined };
      client.on('status', (status, detail) => (states[device] = { status, detail }));
      clients.push(client);
      client.start();
    }
    await until(() => states.every((s) => s.status === 'error'), 'both kiosks to show the error');
    for (const s of states) {
      expect(s.detail).toMatchObject({ code: 'PV_KIOSK_ID_CONFLICT' });
      expect(s.detail!.retryInMs).toBeGreaterThanOrEqual(60_000);
    }
    expect(clients.map((c) => c.statusDetail?.code)).toEqual(['PV_KIOSK_ID_CONFLICT', 'PV_KIOSK_ID_CONFLICT']);
    // No tight loop: nothing more reaches the server for a while (real timers, 40 ms backoff cap).
    const seen = attempts.slice();
    await new Promise((r) => setTimeout(r, 400));
    expect(attempts).toEqual(seen);
    expect(f.server.stats().authenticated).toBe(0);
  });
});
