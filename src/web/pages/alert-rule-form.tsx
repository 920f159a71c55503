import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { ErrorBox } from '../components/error-box.js';
import { emptyRuleForm, ruleFromForm, type RuleForm } from '../lib/alert-rules.js';
import { useAction } from '../state/hooks.js';

/** Adds an alert rule: the fields change with the kind of rule. */
export function AlertRuleForm({ optionLabels, onAdded }: { optionLabels: string[]; onAdded: () => void }) {
  const [form, setForm] = useState<RuleForm>(emptyRuleForm);
  const [invalid, setInvalid] = useState<{ field: keyof RuleForm; message: string } | null>(null);
  const action = useAction();
  const set = (field: keyof RuleForm) => (e: Event) => setForm({ ...form, [field]: (e.target as HTMLInputElement | HTMLSelectElement).value });
  const number = (field: keyof RuleForm, label: string, min: number, max?: number) => (
    <div class="field">
      <label for={`rule-${field}`}>{label}</label>
      <input
        id={`rule-${field}`}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        required
        value={form[field]}
        onInput={set(field)}
        aria-invalid={invalid?.field === field ? 'true' : undefined}
        aria-describedby={invalid?.field === field ? 'rule-invalid' : undefined}
      />
    </div>
  );

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const parsed = ruleFromForm(form);
    if ('field' in parsed) {
      setInvalid(parsed);
      return;
    }
    setInvalid(null);
    if (await action.run(() => api.alertRules.add(parsed.rule))) onAdded();
  };

  return (
    <form class="form rule-form" onSubmit={submit} aria-labelledby="new-rule-title">
      <h3 id="new-rule-title">New rule</h3>
      <div class="field">
        <label for="rule-kind">Alert when</label>
        <select id="rule-kind" value={form.kind} onChange={set('kind')}>
          <option value="kiosk-offline">a kiosk is offline or silent</option>
          <option value="option-share">an option's share passes a bound</option>
          <option value="flagged-burst">flagged presses come in a burst</option>
        </select>
      </div>
      <div class="form-row">
        {form.kind === 'kiosk-offline' ? number('minutes', 'For minutes', 1) : null}
        {form.kind === 'flagged-burst' ? (
          <>
            {number('count', 'Flagged presses', 1)}
            {number('minutes', 'Within minutes', 1)}
          </>
        ) : null}
        {form.kind === 'option-share' ? (
          <>
            <div class="field">
              <label for="rule-button">Option</label>
              <select id="rule-button" value={form.button} onChange={set('button')}>
                {Array.from({ length: 8 }, (_, i) => (
                  <option key={i} value={String(i + 1)}>
                    {i + 1}
                    {optionLabels[i] ? ` — ${optionLabels[i]}` : ''}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="rule-direction">Share is</label>
              <select id="rule-direction" value={form.direction} onChange={set('direction')}>
                <option value="below">below</option>
                <option value="above">above</option>
              </select>
            </div>
            {number('percent', 'Percent', 0, 100)}
            {number('lastVotes', 'Over the last votes', 1)}
          </>
        ) : null}
      </div>
      {invalid ? (
        <p id="rule-invalid" class="field-error" role="alert">
          {document.querySelector(`label[for="rule-${invalid.field}"]`)?.textContent ?? invalid.field}: {invalid.message}
        </p>
      ) : null}
      <ErrorBox error={action.error} context="Could not add the rule" />
      <button type="submit" class="button button-primary" disabled={action.busy}>Add rule</button>
    </form>
  );
}
