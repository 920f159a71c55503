import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  createButton, createLed, MockGpio, openGpioBackend, parsePin, StatusLed,
  type BackendKind, type Button, type GpioBackend, type Led, type OpenGpioOptions,
} from '../../gpio/index.js';
import type { BackoffOptions } from '../connection/backoff.js';
import { KioskClient, type Connector } from '../connection/client.js';
import { createSystemClock, type KioskClock } from '../clock/clock.js';
import type { KioskConfig } from '../config/config.js';
import { connectorForConfig } from '../transport/connectors.js';
import { bindClient, KioskRuntime } from '../state/kiosk-runtime.js';
import { Outbox, outboxPath, type OutboxVote } from '../outbox/outbox.js';
import { systemTimers, type Timers } from '../clock/timers.js';
import { applyFeedback, type FeedbackCommand, type KioskFeedback } from '../feedback/feedback.js';
import { LedFeedback } from '../feedback/led-feedback.js';
import { observeOutputs, type OutputChange } from '../feedback/observed-outputs.js';
import { inDataDir } from '../os-errors.js';
import { schedulePrune } from '../outbox/outbox-pruning.js';

/**
 * The kiosk application: GPIO buttons and LEDs, the durable outbox, the runtime (pure machine +
 * effects) and the reconnecting client, wired together. `pivote kiosk`, the simulator and the
 * tests all start kiosks through here, so they run the same code a Pi runs.
 *
 * Guarantee 1 (recorded before confirmed) lives in KioskRuntime: a button press becomes a
 * `record` effect, the outbox append (synchronous, fsynced) runs, and only then can any feedback
 * reach the LEDs. This file keeps that true by giving the runtime the outbox itself as its
 * recorder, and telling the client about a vote only after it is stored.
 */

/** The kiosk config with the secret already read (LoadedKioskConfig, or built from CLI flags). */
export type KioskAppConfig = Omit<KioskConfig, 'secret'> & { secret: string };

export interface KioskPins {
  /** BCM numbers; button i (1-based) is buttons[i - 1]. */
  buttons: number[];
  leds: number[];
  status: number;
}

/** An output change, named by what the LED is for. */
export interface LedChange extends OutputChange {
  /** Option LED number (1-based) or 'status'. */
  led: number | 'status';
  /** On the kiosk clock (monotonic ms). */
  atMs: number;
}

export interface KioskAppDeps {
  logger: Logger;
  /** Overrides the config's `gpio` (the CLI's --gpio). */
  gpio?: BackendKind;
  /** Default openGpioBackend; tests inject fakes. */
  openBackend?: (kind: BackendKind, options: OpenGpioOptions) => Promise<GpioBackend>;
  /**
   * Runs right after the GPIO backend is open, before anything else is claimed. The CLI installs
   * its SIGINT/SIGTERM handlers here: pigpio replaces handlers installed before it initialises.
   */
  onBackendOpen?: (backend: GpioBackend) => void;
  /** Every LED change, e.g. for a terminal display. */
  onLedChange?: (change: LedChange) => void;
  /** After a press is durably in the outbox. */
  onRecorded?: (vote: OutboxVote) => void;
  /** Everything shown to the voter, with the reason (the `--keys` screen says it in words). */
  onFeedback?: (command: FeedbackCommand) => void;
  /** Default: TLS when the config has a `tls` section, else plain TCP (connectorForConfig). */
  connect?: Connector;
  clock?: KioskClock;
  timers?: Timers;
  /** Default: the SQLite outbox in config.dataDir. Tests wrap it. */
  openOutbox?: (path: string) => Outbox;
  /** Reported in hello, e.g. "pivote/0.1.0". */
  software?: string;
  /** Client reconnect delays (tests shorten them). */
  backoff?: BackoffOptions;
  /** Default the client's (10 s). */
  handshakeTimeoutMs?: number;
}

export interface KioskApp {
  readonly config: KioskAppConfig;
  readonly pins: KioskPins;
  /** The backend as opened (a MockGpio with --gpio mock); see `mock`. */
  readonly backend: GpioBackend;
  /** The simulator's handle when the backend is the mock, to press buttons. */
  readonly mock: MockGpio | undefined;
  readonly outbox: Outbox;
  readonly runtime: KioskRuntime;
  readonly client: KioskClient;
  readonly feedback: LedFeedback;
  /**
   * LEDs off, every line released, connection closed, outbox closed. Idempotent. Resolves with
   * the votes still queued (not acknowledged) when the outbox closed: sent at the next start.
   */
  stop(): Promise<KioskStopped>;
}

export interface KioskStopped {
  queued: number;
}

export function kioskPins(config: Pick<KioskConfig, 'buttons' | 'leds' | 'statusLed'>): KioskPins {
  return { buttons: config.buttons.map((p) => parsePin(p)), leds: config.leds.map((p) => parsePin(p)), status: parsePin(config.statusLed) };
}

/** Opens everything in an order that fails early and cleans up whatever was opened on failure. */
export async function startKiosk(config: KioskAppConfig, deps: KioskAppDeps): Promise<KioskApp> {
  const log = deps.logger.child({ kioskId: config.kioskId });
  const timers = deps.timers ?? systemTimers;
  const clock = deps.clock ?? createSystemClock();
  const pins = kioskPins(config);
  const cleanup: (() => void | Promise<void>)[] = [];
  const unwind = async (): Promise<void> => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (err) {
        log.warn({ err }, 'cleanup step failed');
      }
    }
    cleanup.length = 0;
  };

  try {
    // Config problems first (an unreadable tls.ca is PV_TLS_CONFIG), before any file or pin.
    const connect = deps.connect ?? connectorForConfig(config);
    // Then storage: a kiosk that cannot keep votes should not light a single LED.
    inDataDir(config.dataDir, 'create', () => mkdirSync(config.dataDir, { recursive: true }));
    const openOutbox = deps.openOutbox ?? ((path) => new Outbox(path));
    const outbox = inDataDir(config.dataDir, 'open the outbox in', () => openOutbox(outboxPath(config.dataDir)));
    let queuedAtClose = 0;
    cleanup.push(() => {
      queuedAtClose = outbox.pendingCount();
      outbox.close();
    });
    const pruning = schedulePrune(outbox, timers, log);
    cleanup.push(() => pruning.cancel());

    const kind = deps.gpio ?? config.gpio;
    const open = deps.openBackend ?? openGpioBackend;
    const raw = await open(kind, { logger: log });
    cleanup.push(() => raw.close());
    log.info({ backend: raw.name }, 'GPIO backend open');
    deps.onBackendOpen?.(raw);

    const ledRole = new Map<number, number | 'status'>([...pins.leds.map((bcm, i) => [bcm, i + 1] as const), [pins.status, 'status']]);
    const onLedChange = deps.onLedChange;
    const backend = onLedChange
      ? observeOutputs(raw, (c) => onLedChange({ ...c, led: ledRole.get(c.bcm) ?? 'status', atMs: clock.nowMs() }))
      : raw;

    const { feedback, buttons } = claimDevices(backend, config, log, timers);
    cleanup.push(() => {
      for (const b of buttons) b.dispose();
      feedback.dispose();
    });

    const onFeedback = deps.onFeedback;
    const runtime = new KioskRuntime({
      recorder: outbox,
      feedback: onFeedback ? teeFeedback(feedback, onFeedback) : feedback,
      clock,
      timers,
      logger: log,
      lockoutMs: config.lockoutMs,
      initialPoll: outbox.lastPoll(),
      savePoll: (poll) => outbox.saveLastPoll(poll),
      onRecorded: (vote) => {
        deps.onRecorded?.(vote);
        client.voteAppended();
      },
    });
    const client = new KioskClient({
      servers: config.servers,
      connect,
      identity: { kioskId: config.kioskId, secret: config.secret, software: deps.software ?? 'pivote', buttons: config.buttons.length },
      queue: outbox,
      clock,
      timers,
      logger: deps.logger,
      ...(config.heartbeatMs !== undefined && { heartbeatMs: config.heartbeatMs }),
      ...(deps.backoff && { backoff: deps.backoff }),
      ...(deps.handshakeTimeoutMs !== undefined && { handshakeTimeoutMs: deps.handshakeTimeoutMs }),
    });
    cleanup.push(() => client.stop());
    // Unwound first: once stopping, the client's last "offline" must not start a status blink.
    cleanup.push(() => runtime.stop());
    bindClient(runtime, client);

    buttons.forEach((button, i) => {
      // The edge's own timestamp, not delivery time: the press time the server derives is exact.
      button.on('press', (e) => runtime.press(i + 1, Number(e.timestampNs) / 1e6));
      button.on('hold', (e) => log.info({ button: i + 1, heldMs: e.heldMs }, 'button held'));
    });

    runtime.start();
    client.start();
    log.info(
      { servers: config.servers, pins, pending: outbox.pendingCount(), pollId: runtime.state.poll?.id ?? null },
      'kiosk started',
    );

    let stopping: Promise<KioskStopped> | undefined;
    return {
      config,
      pins,
      backend: raw,
      mock: raw instanceof MockGpio ? raw : undefined,
      outbox,
      runtime,
      client,
      feedback,
      stop() {
        stopping ??= (async () => {
          log.info({ pending: outbox.pendingCount() }, 'kiosk stopping');
          await unwind();
          return { queued: queuedAtClose };
        })();
        return stopping;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** Claims every line, releasing those already claimed if one fails (e.g. PV_GPIO_BUSY). */
function claimDevices(
  backend: GpioBackend,
  config: KioskAppConfig,
  log: Logger,
  timers: Timers,
): { feedback: LedFeedback; buttons: Button[] } {
  const leds: Led[] = [];
  const buttons: Button[] = [];
  let status: Led | undefined;
  try {
    for (const pin of config.leds) leds.push(createLed(backend, pin, { logger: log }));
    status = createLed(backend, config.statusLed, { logger: log, label: 'status LED' });
    for (const pin of config.buttons) {
      buttons.push(
        createButton(backend, pin, {
          debounceMs: config.debounceMs,
          holdMs: config.holdMs ?? 0,
          logger: log,
        }),
      );
    }
  } catch (err) {
    for (const b of buttons) b.dispose();
    for (const l of leds) l.dispose();
    status?.dispose();
    throw err;
  }
  return { feedback: new LedFeedback({ options: leds, status: new StatusLed(status), timers }), buttons };
}

/** The LEDs show it; `observe` hears it too, after the LEDs, with the reason. */
function teeFeedback(leds: KioskFeedback, observe: (command: FeedbackCommand) => void): KioskFeedback {
  const both = (command: FeedbackCommand): void => {
    applyFeedback(command, leds);
    observe(command);
  };
  return {
    showOptions: (count) => both({ kind: 'showOptions', count }),
    confirmed: (button, flagged) => both({ kind: 'confirmed', button, flagged }),
    savedOffline: (button) => both({ kind: 'savedOffline', button }),
    notAccepted: (button, reason) => both({ kind: 'notAccepted', button, reason }),
    ignored: (button, remainingMs) => both({ kind: 'ignored', button, remainingMs }),
    status: (status) => both({ kind: 'status', status }),
  };
}
