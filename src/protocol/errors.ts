/**
 * The one error catalog. Every code is stable: tests, kiosks written in other languages and
 * operators' scripts match on the code, never on the message text, so a code is never renamed
 * or reused. `hint` says what to do about it; it is what the CLI prints after the message.
 */
export const ERRORS = {
  // --- wire: framing and message shape (the connection is closed) ---
  PV_FRAME_TOO_LARGE: { hint: 'Send frames no larger than the documented maximum (see docs/PROTOCOL.md).' },
  PV_BAD_JSON: { hint: 'Each frame must be one JSON object followed by a newline.' },
  PV_BAD_UTF8: { hint: 'Encode each frame as valid UTF-8 (no stray bytes, overlong forms or encoded surrogates).' },
  PV_BAD_MESSAGE: { hint: 'A field is missing or has the wrong type; see docs/PROTOCOL.md for the message.' },
  PV_UNKNOWN_TYPE: { hint: 'The message type is not part of this protocol version.' },
  PV_UNEXPECTED_MESSAGE: { hint: 'This message is not allowed in the current state of the handshake.' },
  PV_UNSUPPORTED_VERSION: { hint: 'Upgrade the kiosk or the server so both speak the same protocol version.' },
  // --- wire: authentication and session (the connection is closed) ---
  PV_NOT_AUTHENTICATED: { hint: 'Complete hello/challenge/auth before sending anything else.' },
  PV_AUTH_FAILED: { hint: 'Check the kiosk id and secret; `pivote fleet list` shows registered kiosks.' },
  PV_AUTH_TIMEOUT: { hint: 'Authenticate within the server\'s deadline after connecting.' },
  PV_KIOSK_REVOKED: { hint: 'This kiosk was revoked by an organiser; register a new id with `pivote fleet add` and put its secret in the kiosk config.' },
  PV_SECRET_ROTATED: { hint: "An organiser gave this kiosk a new secret (`pivote fleet rotate-secret`); put the new one in the kiosk's secret file and restart it." },
  PV_REPLACED: { hint: 'Another connection authenticated with the same kiosk id; only one may be live.' },
  PV_KIOSK_ID_CONFLICT: { hint: 'Two devices use this kiosk id (a cloned SD card?): give each its own id with `pivote fleet add <new-id>` and its own secret; the other one is let in again once the copy stops connecting.' },
  PV_IDLE_TIMEOUT: { hint: 'Send a heartbeat at least as often as the server asks in `welcome`.' },
  PV_FRAME_TIMEOUT: { hint: 'A frame was started but not finished in time; send whole frames promptly.' },
  PV_TOO_MANY_CONNECTIONS: { hint: 'The server is at its connection limit; retry later with backoff.' },
  PV_WINDOW_EXCEEDED: { hint: 'Keep no more unacknowledged votes in flight than the window in `welcome`.' },
  PV_SERVER_SHUTDOWN: { hint: 'The server is stopping; reconnect with backoff.' },
  PV_INTERNAL: { hint: 'The server hit an unexpected error; it has been logged. Retry later.' },
  // --- wire: a single vote refused (the connection stays open) ---
  PV_NO_POLL_OPEN: { hint: 'The vote was pressed while no poll was open; it is not counted.' },
  PV_UNKNOWN_POLL: { hint: 'The vote names a poll the server does not know.' },
  PV_POLL_CLOSED: { hint: 'The vote was pressed after its poll closed; it is not counted.' },
  PV_BAD_BUTTON: { hint: 'The button number is outside the poll\'s options.' },
  PV_INTEGRITY: { hint: 'A vote with this id was already stored with different content; the new one is refused.' },
  // --- administration and configuration (CLI) ---
  PV_UNKNOWN_KIOSK: { hint: 'Register the kiosk with `pivote fleet add <id>`; `pivote fleet list` shows known ids.' },
  PV_KIOSK_EXISTS: { hint: 'Choose another id. A kiosk that lost its secret gets a new one with `pivote fleet rotate-secret <id>`; a revoked one comes back with `pivote fleet reactivate <id>`, or `pivote fleet remove <id>` frees its id.' },
  PV_KIOSK_NOT_REVOKED: { hint: 'Only a revoked kiosk can be reactivated or removed: `pivote fleet revoke <id>` first.' },
  PV_BAD_KIOSK: { hint: "Kiosk ids are 1-64 letters, digits, '.', '-' or '_'; names 1-100 characters, locations up to 100." },
  PV_POLL_ALREADY_OPEN: { hint: 'Close the open poll with `pivote poll close` before opening another.' },
  PV_NO_OPEN_POLL: { hint: 'Open a poll with `pivote poll open --question Q --option A --option B`.' },
  PV_BAD_POLL: { hint: 'A poll needs a question and 2 to 8 distinct, non-empty options.' },
  PV_POLL_NOT_FOUND: { hint: '`pivote poll list` shows existing poll ids.' },
  PV_POLL_NOT_DRAFT: { hint: 'Only a draft (a poll not opened yet) can be opened, rescheduled to open, or deleted; `pivote poll list` shows each poll\'s state.' },
  PV_ALERT_NOT_FOUND: { hint: 'The alert or alert rule does not exist (any more); list them with GET /api/alerts or /api/alert-rules.' },
  PV_BAD_ALERT_RULE: { hint: 'See docs/API.md#alerts for each alert kind and its parameters.' },
  PV_NOT_A_PIVOTE_DB: { hint: 'Point --db at the pivote database the server uses (`pivote server --db PATH` creates one), or use --url to reach a running server.' },
  PV_DB_TOO_NEW: { hint: 'This database was written by a newer pivote; upgrade pivote.' },
  PV_DB_ACCESS_DENIED: { hint: 'Check the user and password in the database URL, that the role may connect (pg_hba.conf), and that it owns the database pivote uses.' },
  PV_STORE_UNAVAILABLE: { hint: 'The database is unreachable or restarting; retry later. Kiosks keep their votes and send them when it returns.' },
  PV_MIGRATE_TARGET_IN_USE: { hint: 'The PostgreSQL database already holds another deployment\'s kiosks, polls or votes: migrate into a new, empty database (CREATE DATABASE ... OWNER ...). Nothing was copied.' },
  PV_MIGRATE_CONFLICT: { hint: 'A row under the same key differs between the two databases, so they are not copies of one deployment; nothing was copied. Migrate into a new, empty database.' },
  PV_STORE_FAILED: { hint: 'The server lost its database thread (the log says why, e.g. out of memory): restart the server. Stored votes are safe; kiosks resend the unacknowledged ones.' },
  PV_CONFIG_MISSING: { hint: 'Add the missing key to the config file (see hardware/kiosk.example.json).' },
  PV_CONFIG_INVALID: { hint: 'Fix the value of the named key (see hardware/kiosk.example.json).' },
  PV_CONFIG_SYNTAX: { hint: 'The config file must be strict JSON: keys and strings in double quotes, no trailing commas, no comments. Fix it at the line and column named.' },
  PV_CONFIG_UNREADABLE: { hint: 'Check the path: the file must exist and be readable by the user running pivote (under systemd the kiosk runs as `pivote`; `sudo systemd/install.sh --kiosk` creates /etc/pivote/kiosk.json).' },
  PV_DATA_DIR_UNWRITABLE: { hint: 'The kiosk keeps its outbox in its data folder (dataDir, --data-dir): run it as a user who may write there (under systemd: `pivote`, for which `sudo systemd/install.sh --kiosk` creates /var/lib/pivote-kiosk), or choose a folder you own.' },
  PV_USAGE: { hint: 'Run the command with --help for its options.' },
  PV_SIM_INCOMPLETE: { hint: 'Some simulated votes were not acknowledged: check the server log, or allow more time with --drain-timeout.' },
  PV_LISTEN_FAILED: { hint: 'Another process holds the port or the address is not on this machine; choose another --port or --host.' },
  // --- HTTP: the admin API, the dashboard, health (JSON bodies and CLI --url) ---
  PV_BAD_REQUEST: { hint: 'The request body or query does not match what the route takes; see docs/API.md.' },
  PV_NOT_FOUND: { hint: 'No such route; see docs/API.md.' },
  PV_ADMIN_AUTH_REQUIRED: { hint: 'Log in with the admin token, or send `Authorization: Bearer <token>` (the token is in <db>.admin-token beside the database, or the file given with --admin-token-file).' },
  PV_ADMIN_AUTH_FAILED: { hint: 'The admin token is wrong or was rotated; `pivote admin-token show` on the server prints the current one.' },
  PV_SESSION_EXPIRED: { hint: 'The login session ended (it lasts 12 hours, and ends when the admin token is rotated); log in again.' },
  PV_CSRF: { hint: 'A change made with the session cookie needs the x-pivote-csrf header from GET /api/session, from the server\'s own origin.' },
  PV_RATE_LIMITED: { hint: 'Too many attempts; wait as long as the retry-after header says.' },
  PV_PUBLIC_RESULTS_OFF: { hint: 'The organiser has not made these results public; they can allow it per poll (always or after close).' },
  PV_NOT_READY: { hint: 'The server is starting, stopping, or cannot reach its database; /readyz says why.' },
  PV_SERVER_UNREACHABLE: { hint: 'Check --url (or PIVOTE_URL): is `pivote server` running there with its HTTP port open?' },
  PV_TOKEN_FILE: { hint: 'Check the admin token file: readable, one line, at least 32 characters (`pivote admin-token rotate` writes a good one).' },
  // --- TLS (kiosk and server setup; never on the wire: TLS fails before a frame can be sent) ---
  PV_TLS_UNTRUSTED: { hint: 'The kiosk could not verify the server\'s certificate: check the kiosk config\'s tls.ca or tls.fingerprint and that the server runs with --tls-cert (see docs/TLS.md).' },
  PV_TLS_CONFIG: { hint: 'Check the certificate, key and CA files: readable PEM files, and the key belongs to the certificate (see docs/TLS.md).' },
  // --- GPIO ---
  PV_GPIO_BUSY: { hint: 'The pin is claimed by another process or a device-tree overlay; choose a free pin or free it.' },
  PV_GPIO_NO_SUCH_PIN: { hint: 'Use a BCM number 0-27 (GPIO17, BCM17, 17) or a header pin (BOARD11).' },
  PV_GPIO_RESERVED: { hint: 'The pin is a power, ground or ID-EEPROM pin, or is reserved by the Pi; choose another.' },
  PV_GPIO_UNAVAILABLE: { hint: 'This GPIO backend cannot run on this machine; on a laptop use --gpio mock.' },
  PV_GPIO_PERMISSION: { hint: 'Run the kiosk as a user in the `gpio` group (or install the udev rule).' },
  PV_GPIO_RELEASED: { hint: 'The line was released; request it again.' },
} as const satisfies Record<string, { hint: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export function hintFor(code: ErrorCode): string {
  return ERRORS[code].hint;
}

/** An error that carries a stable code. Everything pivote throws on purpose is one of these. */
export class PivoteError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PivoteError';
    this.code = code;
    this.details = details;
  }

  get hint(): string {
    return hintFor(this.code);
  }
}

export function isPivoteError(err: unknown, code?: ErrorCode): err is PivoteError {
  return err instanceof PivoteError && (code === undefined || err.code === code);
}
