import type { ErrorCode } from '../protocol/errors.js';
import type { PollRecord } from '../store/types.js';

/**
 * Whether a vote counts, and when it was pressed. Pure: the caller supplies the poll (looked up by
 * the vote's pollId) and the server time the vote was received.
 *
 * A kiosk has no real-time clock, so it reports how long ago the press was on its monotonic clock
 * (`ageMs`, measured when the frame is sent). receivedAt - ageMs is therefore slightly late (it adds
 * the transit time), and clock differences between hosts can still put it before the opening; a
 * kiosk cannot know a poll id before the poll opened, so the estimate is clamped up to openedAt.
 * A vote pressed while its poll was open counts even if it arrives after the poll closed.
 */
export type VoteRejectCode = Extract<ErrorCode, 'PV_NO_POLL_OPEN' | 'PV_UNKNOWN_POLL' | 'PV_BAD_BUTTON' | 'PV_POLL_CLOSED'>;

export type VoteVerdict =
  | { ok: true; pressedAt: number; clockUnknown: boolean }
  | { ok: false; code: VoteRejectCode; message: string };

export interface VoteFacts {
  pollId: number | null;
  button: number;
  ageMs: number | null;
}

export function judgeVote(vote: VoteFacts, poll: PollRecord | undefined, receivedAt: number): VoteVerdict {
  if (vote.pollId === null) return { ok: false, code: 'PV_NO_POLL_OPEN', message: 'no poll was open when the button was pressed' };
  // A draft was never pushed to a kiosk, so a vote naming one names no poll the kiosk could know.
  if (poll === undefined || poll.id !== vote.pollId || poll.openedAt === null) {
    return { ok: false, code: 'PV_UNKNOWN_POLL', message: `no poll with id ${vote.pollId}` };
  }
  if (!Number.isInteger(vote.button) || vote.button < 1 || vote.button > poll.options.length) {
    return { ok: false, code: 'PV_BAD_BUTTON', message: `button ${vote.button} is not an option of poll ${poll.id} (1-${poll.options.length})` };
  }
  const openedAt = poll.openedAt;
  const closedAt = poll.state === 'closed' && poll.closedAt !== null ? poll.closedAt : Infinity;
  if (vote.ageMs === null) {
    // The kiosk rebooted since the press: all we know is that it was pressed while the poll was
    // open on the kiosk, so the receive time bounded to the poll's open interval is the estimate.
    return { ok: true, pressedAt: Math.min(Math.max(receivedAt, openedAt), closedAt), clockUnknown: true };
  }
  const pressedAt = Math.max(receivedAt - vote.ageMs, openedAt);
  if (pressedAt > closedAt) {
    return { ok: false, code: 'PV_POLL_CLOSED', message: `poll ${poll.id} closed before the button was pressed` };
  }
  return { ok: true, pressedAt, clockUnknown: false };
}
