import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPivoteError } from '../../src/protocol/errors.js';
import { Outbox, outboxPath, type NewPress } from '../../src/kiosk/outbox/outbox.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = 24 * 3600 * 1000;

function press(button = 1, extra: Partial<NewPress> = {}): NewPress {
  return { button, pollId: 3, pressedMonoMs: 5000, bootId: 'boot-a', ...extra };
}

let dir: string;
const open: Outbox[] = [];
function openOutbox(options: ConstructorParameters<typeof Outbox>[1] = {}): Outbox {
  const box = new Outbox(outboxPath(dir), options);
  open.push(box);
  return box;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pivote-outbox-'));
});
afterEach(() => {
  for (const box of open.splice(0)) box.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('is durable by configuration: WAL journal, synchronous=FULL', () => {
    expect(openOutbox().durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
  });

  it('assigns a random UUID and the next seq to each append, and lists pending in seq order', () => {
    const box = openOutbox();
    const a = box.append(press(2));
    const b = box.append(press(1));
    const c = box.append(press(3, { pollId: null }));
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    for (const v of [a, b, c]) expect(v.voteId).toMatch(UUID);
    expect(new Set([a.voteId, b.voteId, c.voteId]).size).toBe(3);
    expect(box.pending()).toEqual([a, b, c]);
    expect(box.pending()[2]).toMatchObject({ button: 3, pollId: null, pressedMonoMs: 5000, bootId: 'boot-a' });
    expect(box.pendingCount()).toBe(3);
  });

  it('pages through pending votes by seq cursor', () => {
    const box = openOutbox();
    const all = Array.from({ length: 25 }, (_, i) => box.append(press((i % 8) + 1)));
    expect(box.pending(0, 10).map((v) => v.seq)).toEqual(all.slice(0, 10).map((v) => v.seq));
    expect(box.pending(10, 10).map((v) => v.seq)).toEqual(all.slice(10, 20).map((v) => v.seq));
    expect(box.pending(20, 10).map((v) => v.seq)).toEqual([21, 22, 23, 24, 25]);
    expect([...box.iteratePending(7)].map((v) => v.seq)).toEqual(all.map((v) => v.seq));
  });

  it('records acks and rejections with their outcome and drops them from pending', () => {
    const box = openOutbox({ now: () => 1_000 });
    const a = box.append(press(1));
    const b = box.append(press(2));
    const c = box.append(press(3));
    expect(box.markAcked(a.voteId, { status: 'duplicate', flagged: true })).toBe(true);
    expect(box.markRejected(b.voteId, 'PV_POLL_CLOSED')).toBe(true);
    expect(box.pending().map((v) => v.voteId)).toEqual([c.voteId]);
    expect(box.pendingCount()).toBe(1);
    expect(box.get(a.voteId)).toMatchObject({ state: 'acked', outcome: 'duplicate', flagged: true, settledAt: 1_000 });
    expect(box.get(b.voteId)).toMatchObject({ state: 'rejected', outcome: 'PV_POLL_CLOSED', flagged: false });
    expect(box.counts()).toEqual({ pending: 1, acked: 1, rejected: 1 });
  });

  it('settles a vote only once and ignores unknown ids', () => {
    const box = openOutbox();
    const a = box.append(press());
    expect(box.markAcked(a.voteId)).toBe(true);
    expect(box.markAcked(a.voteId)).toBe(false);
    expect(box.markRejected(a.voteId, 'PV_BAD_BUTTON')).toBe(false);
    expect(box.get(a.voteId)).toMatchObject({ state: 'acked', outcome: 'stored' });
    expect(box.markAcked('no-such-vote')).toBe(false);
  });

  it('keeps the sequence across reopening, even after every row was pruned', () => {
    let now = 0;
    const first = openOutbox({ now: () => now, retentionDays: 1 });
    for (let i = 0; i < 3; i++) first.markAcked(first.append(press()).voteId);
    now = 2 * DAY;
    expect(first.prune()).toBe(3);
    first.close();
    const second = openOutbox();
    expect(second.counts()).toEqual({ pending: 0, acked: 0, rejected: 0 });
    expect(second.append(press()).seq).toBe(4);
  });

  it('prunes only acked rows older than the retention, keeping pending and rejected ones', () => {
    let now = 10 * DAY;
    const box = openOutbox({ now: () => now, retentionDays: 7 });
    const oldAck = box.append(press());
    const oldReject = box.append(press());
    const oldPending = box.append(press());
    box.markAcked(oldAck.voteId);
    box.markRejected(oldReject.voteId, 'PV_NO_POLL_OPEN');
    now += 5 * DAY;
    const recentAck = box.append(press());
    box.markAcked(recentAck.voteId);
    now += 3 * DAY; // oldAck settled 8 days ago, recentAck 3 days ago
    expect(box.prune()).toBe(1);
    expect(box.get(oldAck.voteId)).toBeUndefined();
    expect(box.get(recentAck.voteId)).toMatchObject({ state: 'acked' });
    expect(box.get(oldReject.voteId)).toMatchObject({ state: 'rejected' });
    expect(box.pending().map((v) => v.voteId)).toEqual([oldPending.voteId]);
  });

  it('remembers the last poll across reopening', () => {
    const box = openOutbox();
    expect(box.lastPoll()).toBeNull();
    const poll = { id: 9, question: 'Tea?', options: ['yes', 'no'], openedAt: 123 };
    box.saveLastPoll(poll);
    box.close();
    expect(openOutbox().lastPoll()).toEqual(poll);
  });

  it('refuses a malformed press instead of storing a row the server would refuse for ever', () => {
    const box = openOutbox();
    for (const bad of [press(0), press(1.5), press(1, { pressedMonoMs: 1.5 }), press(1, { pollId: 0 })]) {
      expect(() => box.append(bad)).toThrow(expect.objectContaining({ code: 'PV_BAD_MESSAGE' }));
    }
    expect(box.pendingCount()).toBe(0);
  });

  it('refuses an outbox written by a newer schema with PV_DB_TOO_NEW', () => {
    const db = new Database(outboxPath(dir));
    db.pragma('user_version = 99');
    db.close();
    let caught: unknown;
    try {
      openOutbox();
    } catch (err) {
      caught = err;
    }
    expect(isPivoteError(caught, 'PV_DB_TOO_NEW')).toBe(true);
  });
});

describe('Outbox durability across kill -9', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('keeps every vote whose append returned before the process was SIGKILLed', async () => {
    const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/outbox-child.ts', import.meta.url));
    const path = outboxPath(dir);
    const proc = spawn(process.execPath, [viteNode, script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

    const reported = new Map<string, number>();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`child reported too few votes; stderr: ${stderr}`)), 15_000);
      proc.stdout?.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [voteId, seq] = line.split(' ');
          if (voteId && seq) reported.set(voteId, Number(seq));
        }
        // Kill it mid-stream, while it is still appending.
        if (reported.size >= 200) {
          clearTimeout(timer);
          proc.kill('SIGKILL');
          resolve();
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    expect(await exited).toBe('SIGKILL');
    expect(reported.size).toBeGreaterThanOrEqual(200);

    const box = openOutbox();
    const pending = [...box.iteratePending()];
    const stored = new Map(pending.map((v) => [v.voteId, v.seq]));
    for (const [voteId, seq] of reported) expect(stored.get(voteId)).toBe(seq);
    // Nothing half-written: seqs are exactly 1..n with no gap.
    expect(pending.map((v) => v.seq)).toEqual(Array.from({ length: pending.length }, (_, i) => i + 1));
    expect(box.append(press()).seq).toBe(pending.length + 1);
  });
});
