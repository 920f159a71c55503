/**
 * Simulated people at a kiosk, as a pure schedule: a person walks up, presses one button and
 * walks away; the next one comes a few seconds later. Now and then someone mashes a button a few
 * times. Time is passed in, so the schedule is tested without timers.
 *
 * The pace is set by the server's repeated-press rule (by default the 4th press within 10 s from
 * one kiosk is flagged): people arrive at least `minGapMs` apart, and 3 gaps of 3.5 s exceed
 * 10 s, so ordinary voters are never flagged, while a masher's presses are — flagging stays
 * visible in a demo without swamping the tally. After a masher the next person waits out the
 * window, so the masher's presses do not get an ordinary voter flagged too.
 */

export interface VisitorModel {
  /** Shortest time between two people at one kiosk. */
  minGapMs: number;
  /** Mean of the random (exponential) wait added to it. */
  meanExtraMs: number;
  /** Chance that a person is a button-masher. */
  masherChance: number;
  /** How many times a masher presses (inclusive range). */
  masherPresses: readonly [number, number];
  /** A masher presses again this long after the lockout ends (inclusive range, ms). */
  masherPauseMs: readonly [number, number];
  /** After a masher, the next person comes no sooner than this (the repeated-press window). */
  afterMasherMs: number;
}

export const PEOPLE: Readonly<VisitorModel> = Object.freeze({
  minGapMs: 3_500,
  meanExtraMs: 500,
  masherChance: 0.03,
  masherPresses: [4, 6] as const,
  masherPauseMs: [150, 450] as const,
  afterMasherMs: 10_500,
});

const FIRST_PERSON_WITHIN_MS = 1000;

export interface PlannedVisit {
  /** When to press (ms, the caller's clock). */
  atMs: number;
  button: number;
  /** Part of a button-masher's burst. */
  masher: boolean;
}

/** Mean presses per second one kiosk takes from ordinary people (mashers aside). */
export function peoplePerSecond(model: VisitorModel): number {
  return 1000 / (model.minGapMs + model.meanExtraMs);
}

/** One kiosk's queue of people. `next()` says when its next press is due, and which button. */
export class KioskVisitors {
  private readonly model: VisitorModel;
  private readonly lockoutMs: number;
  private readonly random: () => number;
  private dueMs: number;
  /** Presses the current masher still has to make (0: the next press is a new person's). */
  private mashesLeft = 0;
  private mashButton = 1;

  /**
   * People are already waiting when the kiosks open: the first one presses within the first
   * second (at a random moment, so kiosks do not press in step).
   */
  constructor(model: VisitorModel, lockoutMs: number, random: () => number, startMs: number) {
    this.model = model;
    this.lockoutMs = lockoutMs;
    this.random = random;
    this.dueMs = startMs + random() * Math.min(FIRST_PERSON_WITHIN_MS, model.minGapMs);
  }

  /** When the next press is due. */
  get nextAtMs(): number {
    return this.dueMs;
  }

  /**
   * Takes the press due now and schedules the one after it, counted from `atMs` (when the press
   * really happens: a late timer must not shrink the next gap below the kiosk's lockout).
   * `options`: the poll's option count.
   */
  take(options: number, atMs: number = this.dueMs): PlannedVisit {
    if (this.mashesLeft > 0) {
      this.mashesLeft--;
      this.dueMs = atMs + (this.mashesLeft > 0 ? this.masherPause() : this.model.afterMasherMs + this.extra());
      return { atMs, button: Math.min(this.mashButton, options), masher: true };
    }
    const button = 1 + Math.floor(this.random() * options);
    if (this.random() < this.model.masherChance) {
      const [lo, hi] = this.model.masherPresses;
      this.mashesLeft = lo + Math.floor(this.random() * (hi - lo + 1)) - 1; // this press is the first
      this.mashButton = button;
      this.dueMs = atMs + this.masherPause();
      return { atMs, button, masher: true };
    }
    this.dueMs = atMs + this.model.minGapMs + this.extra();
    return { atMs, button, masher: false };
  }

  private masherPause(): number {
    const [lo, hi] = this.model.masherPauseMs;
    return this.lockoutMs + lo + this.random() * (hi - lo);
  }

  /** Exponential, capped at 10 means so one unlucky draw cannot stall a run. */
  private extra(): number {
    const mean = this.model.meanExtraMs;
    return Math.min(-Math.log(1 - this.random()) * mean, 10 * mean);
  }
}
