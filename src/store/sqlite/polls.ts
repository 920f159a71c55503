import type { PollArea } from '../area-store.js';
import type Database from 'better-sqlite3';
import { PivoteError } from '../../protocol/errors.js';
import type { Actor } from '../model/admin.js';
import type { DraftPoll, PollPatch, PollRecord, PollSettings, ScheduleOutcome } from '../model/polls.js';
import { validatePollDefinition, validateSchedule } from '../poll-rules.js';
import type { SqliteAuditLog } from './audit-log.js';
import { pollFromRow, type PollRow } from './rows.js';

type Stmt = Database.Statement<unknown[], unknown>;

/** The polls table: open, close, drafts, the schedule (each change audited). Synchronous;
 *  every change runs in an IMMEDIATE transaction, so two processes never both open a poll. */
export class SqlitePolls implements PollArea {
  private readonly s: Record<string, Stmt>;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
  ) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      open: p("SELECT * FROM polls WHERE state = 'open'"),
      insert: p(`INSERT INTO polls (question, options, state, created_at, opened_at, opens_at, closes_at, public_results)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      openDraft: p("UPDATE polls SET state = 'open', opened_at = ?, opens_at = NULL WHERE id = ? RETURNING *"),
      close: p("UPDATE polls SET state = 'closed', closed_at = ? WHERE id = ? RETURNING *"),
      patch: p(`UPDATE polls SET opens_at = CASE WHEN ? THEN ? ELSE opens_at END, closes_at = CASE WHEN ? THEN ? ELSE closes_at END,
                public_results = coalesce(?, public_results) WHERE id = ? RETURNING *`),
      remove: p("DELETE FROM polls WHERE id = ? AND state = 'draft'"),
      get: p('SELECT * FROM polls WHERE id = ?'),
      list: p('SELECT * FROM polls ORDER BY id DESC'),
      due: p("SELECT * FROM polls WHERE state = 'draft' AND opens_at IS NOT NULL AND opens_at <= ? ORDER BY opens_at, id LIMIT 1"),
    };
  }

  open(question: string, options: string[], at: number, settings: PollSettings, actor: Actor): PollRecord {
    const def = validatePollDefinition(question, options);
    validateSchedule(null, settings.closesAt);
    return this.change(() => {
      this.requireNoneOpen();
      const row = this.s.insert!.get(def.question, JSON.stringify(def.options), 'open', at, at, null, settings.closesAt ?? null, settings.publicResults ?? 'never') as PollRow;
      return this.audited(pollFromRow(row), at, actor, 'poll.open');
    });
  }

  createDraft(d: DraftPoll, at: number, actor: Actor): PollRecord {
    const def = validatePollDefinition(d.question, d.options);
    validateSchedule(d.opensAt, d.closesAt);
    return this.change(() => {
      const row = this.s.insert!.get(def.question, JSON.stringify(def.options), 'draft', at, null, d.opensAt ?? null, d.closesAt ?? null, d.publicResults ?? 'never') as PollRow;
      return this.audited(pollFromRow(row), at, actor, 'poll.create');
    });
  }

  openDraft(id: number, at: number, actor: Actor): PollRecord {
    return this.change(() => {
      this.requireDraft(id);
      this.requireNoneOpen();
      return this.audited(pollFromRow(this.s.openDraft!.get(at, id) as PollRow), at, actor, 'poll.open');
    });
  }

  update(id: number, patch: PollPatch, at: number, actor: Actor): PollRecord {
    return this.change(() => {
      const poll = this.require(id);
      if (patch.opensAt !== undefined && poll.state !== 'draft') {
        throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}; only a draft has an opening time`, { pollId: id });
      }
      if (patch.closesAt !== undefined && poll.state === 'closed') throw new PivoteError('PV_BAD_POLL', `poll ${id} is closed already`, { pollId: id });
      const opensAt = patch.opensAt !== undefined ? patch.opensAt : poll.opensAt;
      validateSchedule(poll.state === 'draft' ? opensAt : poll.openedAt, patch.closesAt !== undefined ? patch.closesAt : poll.closesAt);
      const row = this.s.patch!.get(
        patch.opensAt === undefined ? 0 : 1, patch.opensAt ?? null, patch.closesAt === undefined ? 0 : 1, patch.closesAt ?? null,
        patch.publicResults ?? null, id,
      ) as PollRow;
      this.audit.write({ at, actor, action: 'poll.update', subject: String(id), details: { ...patch } });
      return pollFromRow(row);
    });
  }

  deleteDraft(id: number, at: number, actor: Actor): void {
    this.change(() => {
      this.requireDraft(id);
      this.s.remove!.run(id);
      this.audit.write({ at, actor, action: 'poll.delete', subject: String(id), details: null });
    });
  }

  close(at: number, actor: Actor): PollRecord {
    return this.change(() => {
      const open = this.s.open!.get() as PollRow | undefined;
      if (!open) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
      return this.audited(pollFromRow(this.s.close!.get(at, open.id) as PollRow), at, actor, 'poll.close');
    });
  }

  runSchedule(at: number, actor: Actor): ScheduleOutcome {
    return this.change(() => {
      let closed: PollRecord | null = null;
      const open = this.s.open!.get() as PollRow | undefined;
      const due = this.s.due!.get(at) as PollRow | undefined;
      if (open && ((open.closes_at !== null && open.closes_at <= at) || due)) {
        closed = this.audited(pollFromRow(this.s.close!.get(at, open.id) as PollRow), at, actor, 'poll.close');
      }
      const opened = due ? this.audited(pollFromRow(this.s.openDraft!.get(at, due.id) as PollRow), at, actor, 'poll.open') : null;
      return { closed, opened };
    });
  }

  getOpen(): PollRecord | undefined {
    const row = this.s.open!.get() as PollRow | undefined;
    return row && pollFromRow(row);
  }

  get(id: number): PollRecord | undefined {
    const row = this.s.get!.get(id) as PollRow | undefined;
    return row && pollFromRow(row);
  }

  list(): PollRecord[] {
    return (this.s.list!.all() as PollRow[]).map(pollFromRow);
  }

  require(id: number): PollRecord {
    const poll = this.get(id);
    if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
    return poll;
  }

  private requireDraft(id: number): PollRecord {
    const poll = this.require(id);
    if (poll.state !== 'draft') throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}, not a draft`, { pollId: id });
    return poll;
  }

  private requireNoneOpen(): void {
    const open = this.s.open!.get() as PollRow | undefined;
    if (open) throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${open.id} is still open`, { pollId: open.id });
  }

  private audited(poll: PollRecord, at: number, actor: Actor, action: string): PollRecord {
    const details = action === 'poll.close' ? null : { question: poll.question, options: poll.options, closesAt: poll.closesAt, opensAt: poll.opensAt, publicResults: poll.publicResults };
    this.audit.write({ at, actor, action, subject: String(poll.id), details });
    return poll;
  }

  private change<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
