import type { PollArea } from '../area-store.js';
import { PivoteError } from '../../protocol/errors.js';
import type { Actor } from '../model/admin.js';
import type { DraftPoll, PollPatch, PollRecord, PollSettings, ScheduleOutcome } from '../model/polls.js';
import { validatePollDefinition, validateSchedule } from '../poll-rules.js';
import type { MemoryAuditLog } from './audit-alerts.js';

/** The memory engine's polls; same answers as SQLite's (test/store/contract.ts). */
export class MemoryPolls implements PollArea {
  private readonly polls: PollRecord[] = [];
  private nextId = 1;

  constructor(private readonly audit: MemoryAuditLog) {}

  open(question: string, options: string[], at: number, settings: PollSettings, actor: Actor): PollRecord {
    const def = validatePollDefinition(question, options);
    validateSchedule(null, settings.closesAt);
    this.requireNoneOpen();
    return this.insert({ ...def, state: 'open', createdAt: at, openedAt: at, closedAt: null, opensAt: null, closesAt: settings.closesAt ?? null, publicResults: settings.publicResults ?? 'never' }, at, actor, 'poll.open');
  }

  createDraft(d: DraftPoll, at: number, actor: Actor): PollRecord {
    const def = validatePollDefinition(d.question, d.options);
    validateSchedule(d.opensAt, d.closesAt);
    return this.insert({ ...def, state: 'draft', createdAt: at, openedAt: null, closedAt: null, opensAt: d.opensAt ?? null, closesAt: d.closesAt ?? null, publicResults: d.publicResults ?? 'never' }, at, actor, 'poll.create');
  }

  openDraft(id: number, at: number, actor: Actor): PollRecord {
    const poll = this.requireDraft(id);
    this.requireNoneOpen();
    return this.openNow(poll, at, actor);
  }

  update(id: number, patch: PollPatch, at: number, actor: Actor): PollRecord {
    const poll = this.require(id);
    if (patch.opensAt !== undefined && poll.state !== 'draft') {
      throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}; only a draft has an opening time`, { pollId: id });
    }
    if (patch.closesAt !== undefined && poll.state === 'closed') throw new PivoteError('PV_BAD_POLL', `poll ${id} is closed already`, { pollId: id });
    const opensAt = patch.opensAt !== undefined ? patch.opensAt : poll.opensAt;
    const closesAt = patch.closesAt !== undefined ? patch.closesAt : poll.closesAt;
    validateSchedule(poll.state === 'draft' ? opensAt : poll.openedAt, closesAt);
    poll.opensAt = opensAt;
    poll.closesAt = closesAt;
    if (patch.publicResults !== undefined) poll.publicResults = patch.publicResults;
    this.audit.write({ at, actor, action: 'poll.update', subject: String(id), details: { ...patch } });
    return clonePoll(poll);
  }

  deleteDraft(id: number, at: number, actor: Actor): void {
    const poll = this.requireDraft(id);
    this.polls.splice(this.polls.indexOf(poll), 1);
    this.audit.write({ at, actor, action: 'poll.delete', subject: String(id), details: null });
  }

  close(at: number, actor: Actor): PollRecord {
    const open = this.polls.find((p) => p.state === 'open');
    if (!open) throw new PivoteError('PV_NO_OPEN_POLL', 'no poll is open');
    return this.closeNow(open, at, actor);
  }

  runSchedule(at: number, actor: Actor): ScheduleOutcome {
    const open = this.polls.find((p) => p.state === 'open');
    const due = this.polls
      .filter((p) => p.state === 'draft' && p.opensAt !== null && p.opensAt <= at)
      .sort((a, b) => a.opensAt! - b.opensAt! || a.id - b.id)[0];
    const closed = open && ((open.closesAt !== null && open.closesAt <= at) || due) ? this.closeNow(open, at, actor) : null;
    const opened = due ? this.openNow(due, at, actor) : null;
    return { closed, opened };
  }

  getOpen(): PollRecord | undefined {
    const p = this.polls.find((x) => x.state === 'open');
    return p && clonePoll(p);
  }

  get(id: number): PollRecord | undefined {
    const p = this.polls.find((x) => x.id === id);
    return p && clonePoll(p);
  }

  list(): PollRecord[] {
    return [...this.polls].sort((a, b) => b.id - a.id).map(clonePoll);
  }

  require(id: number): PollRecord {
    const poll = this.polls.find((x) => x.id === id);
    if (!poll) throw new PivoteError('PV_POLL_NOT_FOUND', `no poll with id ${id}`, { pollId: id });
    return poll;
  }

  private insert(p: Omit<PollRecord, 'id'>, at: number, actor: Actor, action: string): PollRecord {
    const poll: PollRecord = { id: this.nextId++, ...p };
    this.polls.push(poll);
    return this.audited(poll, at, actor, action);
  }

  private openNow(poll: PollRecord, at: number, actor: Actor): PollRecord {
    poll.state = 'open';
    poll.openedAt = at;
    poll.opensAt = null;
    return this.audited(poll, at, actor, 'poll.open');
  }

  private closeNow(poll: PollRecord, at: number, actor: Actor): PollRecord {
    poll.state = 'closed';
    poll.closedAt = at;
    return this.audited(poll, at, actor, 'poll.close');
  }

  private requireDraft(id: number): PollRecord {
    const poll = this.require(id);
    if (poll.state !== 'draft') throw new PivoteError('PV_POLL_NOT_DRAFT', `poll ${id} is ${poll.state}, not a draft`, { pollId: id });
    return poll;
  }

  private requireNoneOpen(): void {
    const open = this.polls.find((p) => p.state === 'open');
    if (open) throw new PivoteError('PV_POLL_ALREADY_OPEN', `poll ${open.id} is still open`, { pollId: open.id });
  }

  private audited(poll: PollRecord, at: number, actor: Actor, action: string): PollRecord {
    const details = action === 'poll.close' ? null : { question: poll.question, options: [...poll.options], closesAt: poll.closesAt, opensAt: poll.opensAt, publicResults: poll.publicResults };
    this.audit.write({ at, actor, action, subject: String(poll.id), details });
    return clonePoll(poll);
  }
}

export function clonePoll(p: PollRecord): PollRecord {
  return { ...p, options: [...p.options] };
}
