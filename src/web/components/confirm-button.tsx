import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

interface Props {
  /** Visible label, e.g. "Revoke". */
  label: string;
  /** Accessible name when the visible label needs the subject ("Revoke hall-1"). */
  ariaLabel?: string;
  /** What will happen, shown when asking to confirm. */
  question: ComponentChildren;
  onConfirm: () => Promise<void> | void;
  danger?: boolean;
  disabled?: boolean;
}

/** A two-step button for changes that cannot be undone from here: ask in place, then act. */
export function ConfirmButton({ label, ariaLabel, question, onConfirm, danger = false, disabled = false }: Props) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class={`button button-small${danger ? ' button-danger' : ''}`} aria-label={ariaLabel} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={ariaLabel ?? label}>
      <span class="confirm-question">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        class={`button button-small${danger ? ' button-danger' : ' button-primary'}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" class="button button-small" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
