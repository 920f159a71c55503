import { ApiError } from '../api/client.js';

/** An error as the server worded it: message, the hint that says what to do, and its code. */
export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = api?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div class="error-box" role="alert">
      <p class="error-message">
        {context ? <strong>{context}: </strong> : null}
        {message}
      </p>
      {api?.hint ? <p class="error-hint">{api.hint}</p> : null}
      {api?.code ? <p class="error-code"><code>{api.code}</code></p> : null}
    </div>
  );
}
