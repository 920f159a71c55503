import { KioskClient, type StatusDetail } from '../../../src/kiosk/connection/client.js';
import type { KioskClock } from '../../../src/kiosk/clock/clock.js';
import type { KioskTlsConfig } from '../../../src/kiosk/config/config.js';
import { connectorForConfig } from '../../../src/kiosk/transport/connectors.js';
import { Outbox } from '../../../src/kiosk/outbox/outbox.js';
import type { ConnectionStatus } from '../../../src/kiosk/connection/status.js';
import { captureLogger, type LogLine } from '../../server/helpers/fixture.js';
import { until } from '../../hostile/helpers/wire-peer.js';

/**
 * The real kiosk core (KioskClient + an in-memory outbox) with the connector its config asks
 * for: what the kiosk app runs, minus GPIO.
 */
export class KioskUnderTest {
  readonly outbox = new Outbox(':memory:');
  readonly statuses: { status: ConnectionStatus; detail: StatusDetail }[] = [];
  readonly acked = new Set<string>();
  readonly logs: LogLine[];
  readonly client: KioskClient;
  private readonly clock: KioskClock = { nowMs: () => Math.round(performance.now()), bootId: 'tls-test-boot' };

  constructor(port: number, kioskId: string, secret: string, tls: KioskTlsConfig | undefined) {
    const { logger, lines } = captureLogger('info');
    this.logs = lines;
    this.client = new KioskClient({
      servers: [{ host: '127.0.0.1', port }],
      connect: connectorForConfig({ tls }),
      identity: { kioskId, secret, software: 'pivote/tls-test' },
      queue: this.outbox,
      clock: this.clock,
      logger,
      handshakeTimeoutMs: 3_000,
      backoff: { baseMs: 100, capMs: 500 },
      slowBackoff: { baseMs: 2_000, capMs: 5_000, minMs: 1_000 },
    });
    this.client.on('status', (status, detail) => this.statuses.push({ status, detail }));
    this.client.on('acked', (voteId) => this.acked.add(voteId));
    this.client.start();
  }

  get status(): ConnectionStatus {
    return this.client.status;
  }

  /** A button press recorded in the outbox and offered to the client, as the kiosk app does. */
  press(pollId: number, button: number): string {
    const vote = this.outbox.append({ button, pollId, pressedMonoMs: this.clock.nowMs(), bootId: this.clock.bootId });
    this.client.voteAppended();
    return vote.voteId;
  }

  async waitForStatus(status: ConnectionStatus, timeoutMs = 8_000): Promise<StatusDetail> {
    await until(() => this.client.status === status, `kiosk status ${status} (now ${this.client.status})`, timeoutMs);
    return this.statuses.filter((s) => s.status === status).at(-1)!.detail;
  }

  async waitForAck(voteId: string, timeoutMs = 8_000): Promise<void> {
    await until(() => this.acked.has(voteId), `ack of ${voteId}`, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.client.stop();
    this.outbox.close();
  }
}
