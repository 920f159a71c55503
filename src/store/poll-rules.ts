import { PivoteError } from '../protocol/errors.js';
import { MAX_OPTIONS, MAX_OPTION_LENGTH, MAX_QUESTION_LENGTH, MIN_OPTIONS } from '../protocol/messages.js';

/** Shared by every VoteStore so all of them refuse the same polls with the same code. */
export function validatePollDefinition(question: string, options: readonly string[]): { question: string; options: string[] } {
  const q = question.trim();
  if (q.length === 0 || q.length > MAX_QUESTION_LENGTH) {
    throw new PivoteError('PV_BAD_POLL', `the question must be 1-${MAX_QUESTION_LENGTH} characters`);
  }
  const opts = options.map((o) => o.trim());
  if (opts.length < MIN_OPTIONS || opts.length > MAX_OPTIONS) {
    throw new PivoteError('PV_BAD_POLL', `a poll needs ${MIN_OPTIONS} to ${MAX_OPTIONS} options, got ${opts.length}`);
  }
  for (const o of opts) {
    if (o.length === 0 || o.length > MAX_OPTION_LENGTH) {
      throw new PivoteError('PV_BAD_POLL', `each option must be 1-${MAX_OPTION_LENGTH} characters`);
    }
  }
  if (new Set(opts).size !== opts.length) throw new PivoteError('PV_BAD_POLL', 'options must be distinct');
  // U+0000 shows as nothing anywhere, and PostgreSQL text cannot hold it.
  if ([q, ...opts].some((s) => s.includes('\u0000'))) throw new PivoteError('PV_BAD_POLL', 'the question and options must not contain NUL characters');
  return { question: q, options: opts };
}

/** The hour bucket a press falls in, as an ISO string (UTC). */
export function hourKey(pressedAt: number): string {
  return new Date(Math.floor(pressedAt / 3_600_000) * 3_600_000).toISOString();
}

/** A poll's schedule must make sense on its own; `at` is now (a time in the past is allowed: the
 *  scheduler acts on its next pass). */
export function validateSchedule(opensAt: number | null | undefined, closesAt: number | null | undefined): void {
  for (const [name, t] of [['opensAt', opensAt], ['closesAt', closesAt]] as const) {
    if (t !== null && t !== undefined && (!Number.isSafeInteger(t) || t < 0)) {
      throw new PivoteError('PV_BAD_POLL', `${name} must be a time (ms since the epoch)`);
    }
  }
  if (opensAt != null && closesAt != null && closesAt <= opensAt) {
    throw new PivoteError('PV_BAD_POLL', 'a poll must close after it opens (closesAt after opensAt)');
  }
}
