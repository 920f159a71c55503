import type { Logger } from 'pino';
import type { AlertRecord, AlertRule, VoteStore } from '../../store/types.js';
import type { ServerEvents } from '../events.js';
import { PeriodicTask } from '../periodic-task.js';
import type { TimerHandle, Timers } from '../timers.js';
import { flaggedBurst, offlineKiosks, optionShare, type Finding } from './evaluate.js';

export interface AlertEngineOptions {
  store: VoteStore;
  events: ServerEvents;
  timers: Timers;
  log: Logger;
  clock: () => number;
  /** How often every rule is evaluated; votes bring an evaluation forward (debounced). */
  intervalMs: number;
  /** A kiosk is online while heard from within this (as the fleet list says). */
  onlineStaleMs: number;
}

/**
 * Evaluates the organisers' alert rules against the store — so it sees kiosks and votes of every
 * server on the same database — raises and clears alerts there (once, whichever server gets there
 * first), and emits `alert-changed` for the ones it changed.
 */
export class AlertEngine {
  private readonly task: PeriodicTask;
  private soon: TimerHandle | undefined;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly opts: AlertEngineOptions) {
    this.task = new PeriodicTask(() => this.evaluate(), opts.intervalMs, opts.timers, (err) =>
      opts.log.warn({ err }, 'could not evaluate alert rules; will retry'),
    );
  }

  start(): void {
    this.offs.push(this.opts.events.on('votes-committed', () => this.evaluateSoon()));
    this.task.start();
  }

  /** Evaluates now (after an organiser changed the rules); resolves once done. */
  check(): Promise<void> {
    return this.task.trigger();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    if (this.soon !== undefined) this.opts.timers.clearTimeout(this.soon);
    this.soon = undefined;
    await this.task.stop();
  }

  private evaluateSoon(): void {
    if (this.soon !== undefined) return;
    this.soon = this.opts.timers.setTimeout(() => {
      this.soon = undefined;
      void this.task.trigger();
    }, 1_000);
  }

  private async evaluate(): Promise<void> {
    const rules = (await this.opts.store.listAlertRules()).filter((r) => r.enabled);
    if (rules.length === 0) return;
    const now = this.opts.clock();
    const up = (await this.opts.store.listAlerts({ active: true, limit: 10_000 })).filter((a) => a.clearedAt === null);
    for (const rule of rules) {
      const findings = await this.findingsOf(rule, now);
      await this.settle(rule, findings, up.filter((a) => a.ruleId === rule.id), now);
    }
  }

  private async findingsOf(rule: AlertRule, now: number): Promise<Finding[]> {
    const store = this.opts.store;
    if (rule.kind === 'kiosk-offline') return offlineKiosks(rule, await store.listKiosks(), now, this.opts.onlineStaleMs);
    if (rule.kind === 'flagged-burst') return flaggedBurst(rule, await store.countFlaggedSince(now - (rule.params.minutes ?? 1) * 60_000));
    const poll = await store.getOpenPoll();
    if (!poll) return [];
    return optionShare(rule, poll, await store.countRecentVotes({ pollId: poll.id, includeFlagged: false }, rule.params.lastVotes ?? 1));
  }

  private async settle(rule: AlertRule, findings: readonly Finding[], up: readonly AlertRecord[], now: number): Promise<void> {
    const found = new Set(findings.map((f) => f.subject));
    for (const f of findings) {
      const { alert, raised } = await this.opts.store.raiseAlert({ ruleId: rule.id, subject: f.subject, message: f.message, at: now });
      if (raised) {
        this.opts.log.warn({ ruleId: rule.id, kind: rule.kind, subject: f.subject, message: f.message }, 'alert raised');
        this.opts.events.emit('alert-changed', { alert, change: 'raised' });
      }
    }
    for (const a of up) {
      if (found.has(a.subject)) continue;
      const cleared = await this.opts.store.clearAlert(rule.id, a.subject, now);
      if (cleared) {
        this.opts.log.info({ ruleId: rule.id, subject: a.subject }, 'alert cleared');
        this.opts.events.emit('alert-changed', { alert: cleared, change: 'cleared' });
      }
    }
  }
}
