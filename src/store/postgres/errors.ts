import { PivoteError } from '../../protocol/errors.js';

/**
 * Which PostgreSQL failures mean "the database is not there right now" (retry later) rather than
 * "this request is wrong". The server answers the first kind by acknowledging nothing and
 * retrying; kiosks keep their votes meanwhile.
 */

/** Socket errors of a connection attempt or of a connection that broke. */
const SOCKET_ERRNOS = new Set([
  'ECONNREFUSED', // nothing listens (stopped, restarting)
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN', // DNS not answering (a failover that moves a name)
  'ENOTFOUND',
]);

/**
 * SQLSTATEs: class 08 (connection exception), 57P01 admin_shutdown (a fast shutdown or restart
 * ended our session), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, recovering),
 * 53300 too_many_connections, 25006 read_only_sql_transaction (after a failover the old address
 * may lead to a standby until the name moves; only for stores that write).
 */
function isUnavailableSqlState(code: string, writable: boolean): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || (writable && code === '25006');
}

/** node-postgres reports a broken or timed-out connection with these messages and no code. */
const CLIENT_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
  /^Client was closed and is not queryable/,
];

export function isUnavailableError(err: unknown, writable = true): boolean {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as Error & { code?: unknown; syscall?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_ERRNOS.has(code)) return true;
    // A unix socket path with no server behind it.
    if (code === 'ENOENT' && syscall === 'connect') return true;
    if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code, writable)) return true;
  }
  if (CLIENT_MESSAGES.some((re) => re.test(err.message))) return true;
  // AggregateError: every address of a name refused (Node's happy-eyeballs connect).
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 && inner.every((e) => isUnavailableError(e, writable));
}

/** Setup mistakes PostgreSQL names precisely: say them with a code and a hint, not a raw message. */
function setupError(err: Error & { code?: unknown }, target: string): PivoteError | undefined {
  switch (err.code) {
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification: no such role, pg_hba.conf refused
    case '42501': // insufficient_privilege
      return new PivoteError('PV_DB_ACCESS_DENIED', `${target}: ${err.message}`, { target, cause: err.code }, { cause: err });
    case '3D000': // invalid_catalog_name
      return new PivoteError('PV_NOT_A_PIVOTE_DB', `${target}: ${err.message} (create it first: CREATE DATABASE ... OWNER ...)`, { target }, { cause: err });
    default:
      return undefined;
  }
}

/**
 * PV_STORE_UNAVAILABLE for the failures above, PV_DB_ACCESS_DENIED / PV_NOT_A_PIVOTE_DB for
 * setup mistakes, the error itself otherwise. `commitUnknown`: the connection broke while COMMIT
 * was on its way, so the transaction may or may not have committed.
 */
export function toStoreError(err: unknown, where: { target: string; writable: boolean; commitUnknown?: boolean }): unknown {
  if (err instanceof PivoteError || !(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown };
  if (!isUnavailableError(err, where.writable)) return setupError(e, where.target) ?? err;
  const outcome = where.commitUnknown ? '; the last transaction may or may not have committed' : '';
  return new PivoteError(
    'PV_STORE_UNAVAILABLE',
    `the database at ${where.target} is unavailable: ${e.message || String(e.code)}${outcome}`,
    { target: where.target, ...(typeof e.code === 'string' && { cause: e.code }), ...(where.commitUnknown && { outcome: 'unknown' }) },
    { cause: err },
  );
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
