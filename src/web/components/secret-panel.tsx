import { useEffect, useRef } from 'preact/hooks';
import type { KioskCredentials } from '../api/types.js';
import { CopyButton } from './copy-button.js';

/** The config snippet as the server wrote it: an object is shown as the JSON to paste. */
export function configText(config: unknown): string {
  return typeof config === 'string' ? config : JSON.stringify(config, null, 2);
}

/**
 * A kiosk's new secret, shown this once (the server keeps no way to show it again), with the
 * kiosk config snippet that carries it. Focus moves here so a keyboard or screen-reader user
 * does not miss it.
 */
export function SecretPanel({ credentials, why, onDone }: { credentials: KioskCredentials; why: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [credentials]);
  const config = configText(credentials.config);
  const id = credentials.kiosk.id;
  return (
    <section class="secret-panel" aria-labelledby="secret-title" data-kiosk-id={id}>
      <h3 id="secret-title" ref={heading} tabIndex={-1}>
        {why}: the secret of <code>{id}</code>
      </h3>
      <p class="notice">Copy it now: it is shown only this once. Lost it? Rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code class="secret" data-secret>{credentials.secret}</code>
        <CopyButton text={credentials.secret} label="Copy secret" />
      </div>
      <p>
        The kiosk's config (<code>/etc/pivote/kiosk.json</code> on the Pi; keep the wiring keys you have):
      </p>
      <pre class="config-snippet" data-config>{config}</pre>
      <CopyButton text={config} label="Copy config" />{' '}
      <button type="button" class="button button-small button-primary" onClick={onDone}>I have saved it</button>
    </section>
  );
}
