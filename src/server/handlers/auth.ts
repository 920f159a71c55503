import { newSecret, verifyAuthMac } from '../../protocol/auth.js';
import { PivoteError, isPivoteError } from '../../protocol/errors.js';
import type { AuthMessage } from '../../protocol/messages.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** Verified against for unknown kiosks, so an unknown id costs the same HMAC as a known one. */
const DECOY_SECRET = newSecret();

/**
 * auth -> welcome. Unknown kiosk and wrong MAC get the same code, so the answer does not reveal
 * which ids exist; revocation is reported only to a peer that proved it holds the secret.
 */
export async function handleAuth(ctx: ServerContext, session: Session, msg: AuthMessage): Promise<void> {
  const kioskId = session.kioskId;
  if (kioskId === null) throw new PivoteError('PV_UNEXPECTED_MESSAGE', 'auth before hello');
  session.state = 'authenticating';
  const kiosk = await ctx.store.getKiosk(kioskId);
  // Timed out, replaced or shut down while the store answered: that path already spoke.
  if (session.state !== 'authenticating') return;
  const macOk = verifyAuthMac(kiosk?.secret ?? DECOY_SECRET, kioskId, session.nonce, msg.mac);
  if (!kiosk || !macOk) {
    session.log.info({ kioskId, known: kiosk !== undefined }, 'authentication failed');
    throw new PivoteError('PV_AUTH_FAILED', 'authentication failed');
  }
  if (kiosk.revokedAt !== null) throw new PivoteError('PV_KIOSK_REVOKED', 'this kiosk has been revoked');
  if (ctx.shuttingDown) throw new PivoteError('PV_SERVER_SHUTDOWN', 'the server is shutting down');
  // One live connection per kiosk across every server on the database (connection-claims.ts).
  const epoch = await ctx.claimConnection(kioskId).catch((err: unknown) => {
    // Removed between the lookup and the claim: as unknown as any other id.
    throw isPivoteError(err, 'PV_UNKNOWN_KIOSK') ? new PivoteError('PV_AUTH_FAILED', 'authentication failed') : err;
  });
  if (session.state !== 'authenticating') return;
  if (ctx.shuttingDown) throw new PivoteError('PV_SERVER_SHUTDOWN', 'the server is shutting down');
  ctx.admit(session, kiosk, epoch);
}
