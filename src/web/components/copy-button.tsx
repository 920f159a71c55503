import { useState } from 'preact/hooks';

/**
 * Copies text to the clipboard. The Clipboard API exists only on secure origins (HTTPS,
 * localhost); a dashboard reached over plain HTTP on the venue's network falls back to the
 * older selection-and-copy command, and says so when even that is refused.
 */
async function copy(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection way
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      class="button button-small"
      onClick={async () => {
        setState((await copy(text)) ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 2500);
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy by hand' : label}
      <span class="visually-hidden" aria-live="polite">{state === 'copied' ? ' — copied to the clipboard' : ''}</span>
    </button>
  );
}
