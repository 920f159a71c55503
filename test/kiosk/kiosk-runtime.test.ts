import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PollInfo } from '../../src/protocol/messages.js';
import { KioskClient } from '../../src/kiosk/connection/client.js';
import type { KioskClock } from '../../src/kiosk/clock/clock.js';
import { RecordingFeedback, type KioskFeedback } from '../../src/kiosk/feedback/feedback.js';
import { bindClient, KioskRuntime } from '../../src/kiosk/state/kiosk-runtime.js';
import { Outbox } from '../../src/kiosk/outbox/outbox.js';
import type { ConnectionStatus } from '../../src/kiosk/connection/status.js';
import { FakeServer, flush } from './fake-server.js';

const SECRET = 'runtime-secret';
const poll: PollInfo = { id: 12, question: 'Which talk?', options: ['A', 'B', 'C'], openedAt: 5 };
const clock: KioskClock = { nowMs: () => Date.now(), bootId: 'boot-rt' };

let outbox: Outbox;
let runtime: KioskRuntime | undefined;
let client: KioskClient | undefined;
let server: FakeServer;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: 50_000 });
  outbox = new Outbox(':memory:');
  server = new FakeServer();
});

afterEach(async () => {
  runtime?.stop();
  if (client) {
    const stopping = client.stop();
    server.closeAll();
    await vi.advanceTimersByTimeAsync(2000);
    await stopping;
  }
  runtime = client = undefined;
  outbox.close();
  vi.useRealTimers();
});

/** Feedback that checks guarantee 1 at the moment any LED would say "recorded". */
class CheckingFeedback extends RecordingFeedback {
  violations: string[] = [];
  private check(kind: string, button: number): void {
    const stored = [...outbox.iteratePending()].some((v) => v.button === button);
    const counts = outbox.counts();
    if (!stored && counts.acked === 0) this.violations.push(`${kind}(${button}) before the vote was in the outbox`);
  }
  override confirmed(button: number, flagged: boolean): void {
    this.check('confirmed', button);
    super.confirmed(button, flagged);
  }
  override savedOffline(button: number): void {
    this.check('savedOffline', button);
    super.savedOffline(button);
  }
}

function makeRuntime(feedback: KioskFeedback, options: { initialPoll?: PollInfo | null } = {}): KioskRuntime {
  runtime = new KioskRuntime({
    recorder: outbox,
    feedback,
    clock,
    lockoutMs: 1500,
    initialPoll: options.initialPoll ?? null,
    savePoll: (p) => outbox.saveLastPoll(p),
    onRecorded: () => client?.voteAppended(),
  });
  runtime.start();
  return runtime;
}

function makeClient(rt: KioskRuntime): KioskClient {
  client = new KioskClient({
    servers: [{ host: 'tally', port: 7700 }],
    connect: server.connect,
    identity: { kioskId: 'hall-9', secret: SECRET, software: 'pivote/test' },
    queue: outbox,
    clock,
    backoff: { baseMs: 500, capMs: 30_000, random: () => 0.5 },
  });
  bindClient(rt, client);
  client.start();
  return client;
}

describe('KioskRuntime', () => {
  it('online: press -> outbox -> server -> ack -> confirmed, and the status LED follows the link', async () => {
    const feedback = new CheckingFeedback();
    const rt = makeRuntime(feedback);
    makeClient(rt);
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, poll });
    await conn.expect('heartbeat');
    expect(feedback.of('showOptions').at(-1)).toEqual({ kind: 'showOptions', count: 3 });

    rt.press(2);
    expect(outbox.pendingCount()).toBe(1);
    const vote = await conn.expect('vote');
    expect(vote).toMatchObject({ pollId: 12, button: 2, seq: 1, ageMs: 0 });
    expect(feedback.of('confirmed')).toEqual([]);
    conn.send({ type: 'ack', voteId: vote.voteId, seq: 1, status: 'stored', flagged: false });
    await flush();
    expect(feedback.of('confirmed')).toEqual([{ kind: 'confirmed', button: 2, flagged: false }]);
    expect(feedback.of('status').map((c) => c.status)).toEqual<ConnectionStatus[]>(['offline', 'connecting', 'online']);
    expect(feedback.violations).toEqual([]);
    expect(outbox.lastPoll()).toEqual(poll);
  });

  it('offline: press is saved and shown as "saved, will send", then delivered on reconnect', async () => {
    server.down.add('tally:7700');
    const feedback = new CheckingFeedback();
    const rt = makeRuntime(feedback, { initialPoll: poll });
    makeClient(rt);
    await flush();
    rt.press(1);
    expect(feedback.of('savedOffline')).toEqual([{ kind: 'savedOffline', button: 1 }]);
    expect(feedback.violations).toEqual([]);

    // Hammering during the lockout records nothing more.
    await vi.advanceTimersByTimeAsync(100);
    rt.press(1);
    rt.press(3);
    expect(outbox.pendingCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1400);
    expect(feedback.calls.at(-1)).toEqual({ kind: 'showOptions', count: 3 });
    rt.press(3);
    expect(outbox.pendingCount()).toBe(2);

    server.down.clear();
    // Advance until the next retry lands (bounded), without running into the handshake timeout.
    for (let i = 0; i < 300 && server.connections.length === 0; i++) await vi.advanceTimersByTimeAsync(100);
    const pressedAgo = Date.now() - 50_000;
    const conn = await server.connection(0);
    await conn.handshake({ secret: SECRET, poll });
    await conn.expect('heartbeat');
    const first = await conn.expect('vote');
    const second = await conn.expect('vote');
    expect([first.button, second.button]).toEqual([1, 3]);
    // The age is measured at sending, on the monotonic clock.
    expect(first.ageMs).toBe(pressedAgo);
    expect(pressedAgo).toBeGreaterThan(1500);
  });

  it('a press with no open poll is not accepted and not recorded', () => {
    const feedback = new RecordingFeedback();
    const rt = makeRuntime(feedback, { initialPoll: null });
    rt.press(1);
    expect(outbox.pendingCount()).toBe(0);
    expect(feedback.of('notAccepted')).toEqual([{ kind: 'notAccepted', button: 1, reason: { kind: 'noPoll' } }]);
  });

  it('when the outbox cannot write, the voter sees "not accepted", never "saved"', () => {
    const feedback = new RecordingFeedback();
    runtime = new KioskRuntime({
      recorder: {
        append: () => {
          throw new Error('SQLITE_IOERR');
        },
      },
      feedback,
      clock,
      initialPoll: poll,
    });
    runtime.press(2);
    expect(feedback.of('notAccepted')).toEqual([{ kind: 'notAccepted', button: 2, reason: { kind: 'notSaved' } }]);
    expect(feedback.of('savedOffline')).toEqual([]);
    expect(feedback.of('confirmed')).toEqual([]);
  });

  it('a broken LED does not stop votes from being recorded', () => {
    const broken: KioskFeedback = {
      showOptions: () => undefined,
      confirmed: () => undefined,
      savedOffline: () => {
        throw new Error('LED line released');
      },
      notAccepted: () => undefined,
      status: () => undefined,
    };
    const rt = makeRuntime(broken, { initialPoll: poll });
    rt.press(1);
    vi.advanceTimersByTime(1500);
    rt.press(2);
    expect(outbox.pendingCount()).toBe(2);
  });
});
