import type { AlertRule, AlertRuleInput } from '../api/types.js';

/** Alert rules in words, and the rule form's fields turned into a rule (pure). */

export function describeRule(rule: AlertRuleInput | AlertRule, optionLabels: readonly string[] = []): string {
  switch (rule.kind) {
    case 'kiosk-offline':
      return `A kiosk is offline or silent for ${rule.params.minutes} min`;
    case 'flagged-burst':
      return `${rule.params.count} flagged presses within ${rule.params.minutes} min`;
    case 'option-share': {
      const { button, above, below, lastVotes } = rule.params;
      const label = optionLabels[button - 1];
      const option = label ? `option ${button} (“${label}”)` : `option ${button}`;
      const bounds = [above !== undefined ? `above ${above} %` : null, below !== undefined ? `below ${below} %` : null].filter(Boolean).join(' or ');
      return `The share of ${option} is ${bounds} over the last ${lastVotes} votes`;
    }
  }
}

export interface RuleForm {
  kind: AlertRuleInput['kind'];
  minutes: string;
  count: string;
  button: string;
  direction: 'above' | 'below';
  percent: string;
  lastVotes: string;
}

export const emptyRuleForm: RuleForm = { kind: 'kiosk-offline', minutes: '5', count: '10', button: '1', direction: 'below', percent: '50', lastVotes: '50' };

/** The rule the form describes, or the first field that is not a number in range. */
export function ruleFromForm(f: RuleForm): { rule: AlertRuleInput } | { field: keyof RuleForm; message: string } {
  const int = (field: keyof RuleForm, min: number, max: number): number | { field: keyof RuleForm; message: string } => {
    const n = Number(f[field]);
    return Number.isInteger(n) && n >= min && n <= max ? n : { field, message: `must be a whole number from ${min} to ${max}` };
  };
  const bad = (v: number | { field: keyof RuleForm; message: string }): v is { field: keyof RuleForm; message: string } => typeof v !== 'number';
  switch (f.kind) {
    case 'kiosk-offline': {
      const minutes = int('minutes', 1, 24 * 60);
      return bad(minutes) ? minutes : { rule: { kind: 'kiosk-offline', params: { minutes } } };
    }
    case 'flagged-burst': {
      const count = int('count', 1, 100_000);
      if (bad(count)) return count;
      const minutes = int('minutes', 1, 24 * 60);
      return bad(minutes) ? minutes : { rule: { kind: 'flagged-burst', params: { count, minutes } } };
    }
    case 'option-share': {
      const button = int('button', 1, 8);
      if (bad(button)) return button;
      const percent = int('percent', 0, 100);
      if (bad(percent)) return percent;
      const lastVotes = int('lastVotes', 1, 100_000);
      if (bad(lastVotes)) return lastVotes;
      const params = f.direction === 'above' ? { button, above: percent, lastVotes } : { button, below: percent, lastVotes };
      return { rule: { kind: 'option-share', params } };
    }
  }
}
