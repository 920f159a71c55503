/** Polls as the store keeps them. Times are ms since the Unix epoch on the server's clock. */

/** draft: made, not opened yet (possibly scheduled); open: at most one at a time; closed. */
export type PollState = 'draft' | 'open' | 'closed';

/** Who may read a poll's totals without the admin token (the venue's big screen). */
export type PublicResults = 'never' | 'always' | 'after-close';
export const PUBLIC_RESULTS: readonly PublicResults[] = ['never', 'always', 'after-close'];

export interface PollRecord {
  id: number;
  question: string;
  options: string[];
  state: PollState;
  createdAt: number;
  /** Null while a draft. */
  openedAt: number | null;
  closedAt: number | null;
  /** When the server opens this draft by itself; null = only by hand. */
  opensAt: number | null;
  /** When the server closes this poll by itself once open; null = only by hand. */
  closesAt: number | null;
  publicResults: PublicResults;
}

/** A poll that has been open: what votes are judged against. */
export type OpenedPoll = PollRecord & { openedAt: number };

export function wasOpened(p: PollRecord): p is OpenedPoll {
  return p.openedAt !== null;
}

export interface PollSettings {
  closesAt?: number | null;
  publicResults?: PublicResults;
}

export interface DraftPoll extends PollSettings {
  question: string;
  options: string[];
  opensAt?: number | null;
}

export interface PollPatch extends PollSettings {
  /** Drafts only. */
  opensAt?: number | null;
}

/** What one pass of the scheduler did. */
export interface ScheduleOutcome {
  closed: PollRecord | null;
  opened: PollRecord | null;
}
