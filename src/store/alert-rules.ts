import { PivoteError } from '../protocol/errors.js';
import { MAX_OPTIONS } from '../protocol/messages.js';
import { ALERT_KINDS, type AlertKind, type AlertParams } from './model/admin.js';

/**
 * What each alert kind takes, shared by every VoteStore (so all refuse the same rules) and by
 * the HTTP schema. Every parameter is a whole number in its range; unknown ones are refused.
 */
const PARAMS: Record<AlertKind, Record<string, { min: number; max: number; required: boolean }>> = {
  'kiosk-offline': { minutes: { min: 1, max: 10_080, required: true } },
  'option-share': {
    button: { min: 1, max: MAX_OPTIONS, required: true },
    above: { min: 0, max: 100, required: false },
    below: { min: 0, max: 100, required: false },
    lastVotes: { min: 1, max: 100_000, required: true },
  },
  'flagged-burst': { count: { min: 1, max: 1_000_000, required: true }, minutes: { min: 1, max: 1_440, required: true } },
};

export function isAlertKind(value: unknown): value is AlertKind {
  return typeof value === 'string' && (ALERT_KINDS as readonly string[]).includes(value);
}

export function validateAlertRule(kind: string, params: Record<string, unknown>): { kind: AlertKind; params: AlertParams } {
  if (!isAlertKind(kind)) throw new PivoteError('PV_BAD_ALERT_RULE', `unknown alert kind "${kind}"; one of ${ALERT_KINDS.join(', ')}`);
  const spec = PARAMS[kind];
  const out: AlertParams = {};
  for (const [name, value] of Object.entries(params)) {
    const range = spec[name];
    if (!range) throw new PivoteError('PV_BAD_ALERT_RULE', `${kind} has no parameter "${name}"; it takes ${Object.keys(spec).join(', ')}`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      throw new PivoteError('PV_BAD_ALERT_RULE', `${kind}: ${name} must be a whole number from ${range.min} to ${range.max}`);
    }
    out[name] = value;
  }
  for (const [name, range] of Object.entries(spec)) {
    if (range.required && out[name] === undefined) throw new PivoteError('PV_BAD_ALERT_RULE', `${kind} needs ${name}`);
  }
  if (kind === 'option-share' && out.above === undefined && out.below === undefined) {
    throw new PivoteError('PV_BAD_ALERT_RULE', 'option-share needs above or below (a percentage)');
  }
  return { kind, params: out };
}
