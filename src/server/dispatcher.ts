import { PivoteError } from '../protocol/errors.js';
import type { KioskMessage, KioskMessageType } from '../protocol/messages.js';
import type { ServerContext } from './context.js';
import { handleAuth } from './handlers/auth.js';
import { handleHeartbeat } from './handlers/heartbeat.js';
import { handleHello } from './handlers/hello.js';
import { handleVote } from './handlers/vote.js';
import type { Session, SessionState } from './session.js';

/** One handler per message type, and the one session state in which it is allowed. */
interface Route<M extends KioskMessage> {
  accepts: SessionState;
  handle(ctx: ServerContext, session: Session, msg: M): void | Promise<void>;
}

type Routes = { [T in KioskMessageType]: Route<Extract<KioskMessage, { type: T }>> };

const ROUTES: Routes = {
  hello: { accepts: 'awaiting_hello', handle: handleHello },
  auth: { accepts: 'awaiting_auth', handle: handleAuth },
  vote: { accepts: 'ready', handle: handleVote },
  heartbeat: { accepts: 'ready', handle: handleHeartbeat },
};

/**
 * Routes a validated message. Throws a PivoteError for a message out of order; a returned
 * promise is the handler still at work (the caller catches its rejection).
 */
export function dispatch(ctx: ServerContext, session: Session, msg: KioskMessage): void | Promise<void> {
  const route = ROUTES[msg.type] as Route<KioskMessage>;
  if (session.state !== route.accepts) {
    if (route.accepts === 'ready' && !session.authenticated) {
      throw new PivoteError('PV_NOT_AUTHENTICATED', `${msg.type} before authentication`);
    }
    throw new PivoteError('PV_UNEXPECTED_MESSAGE', `${msg.type} is not expected now`);
  }
  return route.handle(ctx, session, msg);
}
