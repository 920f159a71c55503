import type { NewVote, RecordOutcome } from '../store/types.js';

/**
 * Groups valid votes from every connection into one store transaction per event-loop turn, so
 * durability (one fsync per commit) does not cost throughput. While a commit is in flight the
 * next batch accumulates and is handed to the store as soon as that commit returns, before its
 * votes are answered; a FULL batch may even be handed over before the previous commit returned
 * (up to `maxInFlight`). So a store on its own thread always has its next batch instead of
 * idling while acks go out. Batches are answered in the order they left, whatever order their
 * commits settle in. A vote is answered only after its commit resolved.
 *
 * `Owner` is whoever must be answered (a session); the committer never looks inside it.
 */
export interface GroupCommitterOptions<Owner> {
  /** One durable transaction; outcomes in input order. */
  commit(votes: readonly NewVote[]): Promise<RecordOutcome[]>;
  /** Called once per committed batch, after the commit resolved. */
  onCommitted(votes: readonly NewVote[], owners: readonly Owner[], outcomes: readonly RecordOutcome[]): void;
  /** The commit failed: nothing in the batch may be acknowledged. */
  onFailed(votes: readonly NewVote[], owners: readonly Owner[], err: unknown): void;
  maxBatch: number;
  /** Commits handed to the store and not yet settled; more than 1 only for full batches. */
  maxInFlight: number;
  /** Runs fn once the current turn's I/O is processed (setImmediate). */
  schedule(fn: () => void): void;
  /** An answering callback threw; the committer carries on regardless. */
  onCallbackError(err: unknown): void;
}

export class GroupCommitter<Owner> {
  private votes: NewVote[] = [];
  private owners: Owner[] = [];
  /** Batches handed to the store whose answers have not run yet, and their votes. */
  private inFlightBatches = 0;
  private inFlightVotes = 0;
  /** Settles after the last started batch was answered: answers run in start order. */
  private answered: Promise<void> = Promise.resolve();
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Votes ever enqueued, and of those how many have had their commit finish (either way);
   *  batches are answered in enqueue order, so `finished >= n` means the first n are all done. */
  private enqueuedTotal = 0;
  private finishedTotal = 0;
  private settleWaiters: { target: number; resolve: () => void }[] = [];
  private commits = 0;
  private committedVotes = 0;

  constructor(private readonly opts: GroupCommitterOptions<Owner>) {}

  /** Votes waiting for a commit, plus those in the commits in flight. */
  get pending(): number {
    return this.votes.length + this.inFlightVotes;
  }

  get stats(): { commits: number; committedVotes: number; queued: number; inFlight: number } {
    return { commits: this.commits, committedVotes: this.committedVotes, queued: this.votes.length, inFlight: this.inFlightVotes };
  }

  enqueue(vote: NewVote, owner: Owner): void {
    this.enqueuedTotal++;
    this.votes.push(vote);
    this.owners.push(owner);
    if (this.canStartFullBatch()) this.startCommit();
    else if (this.inFlightBatches === 0) this.scheduleTick();
  }

  /**
   * Resolves once every vote enqueued before this call has had its commit finish (committed and
   * answered, or failed), however many are enqueued meanwhile. Unlike drain(), it cannot be put
   * off for ever by a steady stream of new votes.
   */
  settled(): Promise<void> {
    const target = this.enqueuedTotal;
    if (this.finishedTotal >= target) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push({ target, resolve }));
  }

  /** Resolves once nothing is queued or in flight (for shutdown). */
  drain(): Promise<void> {
    if (this.inFlightBatches === 0 && this.votes.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private canStartFullBatch(): boolean {
    return this.votes.length >= this.opts.maxBatch && this.inFlightBatches < this.opts.maxInFlight;
  }

  private scheduleTick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.opts.schedule(this.onTick);
  }

  /** A partial batch leaves only when nothing is in flight: under load, batches stay full. */
  private readonly onTick = (): void => {
    this.scheduled = false;
    if (this.inFlightBatches === 0 && this.votes.length > 0) this.startCommit();
  };

  private startCommit(): void {
    let votes: NewVote[];
    let owners: Owner[];
    if (this.votes.length <= this.opts.maxBatch) {
      votes = this.votes;
      owners = this.owners;
      this.votes = [];
      this.owners = [];
    } else {
      votes = this.votes.splice(0, this.opts.maxBatch);
      owners = this.owners.splice(0, this.opts.maxBatch);
    }
    this.inFlightBatches++;
    this.inFlightVotes += votes.length;
    let commit: Promise<RecordOutcome[]>;
    try {
      commit = this.opts.commit(votes);
    } catch (err) {
      commit = Promise.reject(err);
    }
    const outcome = commit.then(
      (outcomes) => ({ ok: true as const, outcomes }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    // Chained so a batch is answered only after every batch started before it.
    this.answered = this.answered.then(() => outcome).then((r) => {
      if (!r.ok) {
        this.finish(votes.length, () => this.opts.onFailed(votes, owners, r.err));
      } else if (!Array.isArray(r.outcomes) || r.outcomes.length !== votes.length) {
        const got = Array.isArray(r.outcomes) ? r.outcomes.length : 'no';
        this.finish(votes.length, () => this.opts.onFailed(votes, owners, new Error(`store returned ${got} outcomes for ${votes.length} votes`)));
      } else {
        this.commits++;
        this.committedVotes += votes.length;
        this.finish(votes.length, () => this.opts.onCommitted(votes, owners, r.outcomes));
      }
    });
  }

  private finish(size: number, answer: () => void): void {
    this.inFlightBatches--;
    this.inFlightVotes -= size;
    // The store gets its next batch before this one is answered: answering writes to one
    // socket per vote, which takes about as long as committing them, and the store would
    // stand idle meanwhile (at one vote per kiosk, commits and answers then alternate).
    while (this.canStartFullBatch()) this.startCommit();
    if (this.inFlightBatches === 0 && this.votes.length > 0) this.startCommit();
    // A throwing answer callback must neither wedge the committer nor become an unhandled rejection.
    try {
      answer();
    } catch (err) {
      this.opts.onCallbackError(err);
    }
    this.finishedTotal += size;
    if (this.settleWaiters.length > 0) {
      const due = this.settleWaiters.filter((w) => w.target <= this.finishedTotal);
      this.settleWaiters = this.settleWaiters.filter((w) => w.target > this.finishedTotal);
      for (const w of due) w.resolve();
    }
    // Votes the answer callback enqueued: full batches leave now, the rest at the tick.
    while (this.canStartFullBatch()) this.startCommit();
    if (this.inFlightBatches > 0) return;
    if (this.votes.length > 0) this.scheduleTick();
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
