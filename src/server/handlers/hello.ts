import { newNonce } from '../../protocol/auth.js';
import { PivoteError } from '../../protocol/errors.js';
import { PROTOCOL_VERSION, type HelloMessage } from '../../protocol/messages.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** hello -> challenge. The kiosk id is only a claim until `auth` proves it. */
export function handleHello(ctx: ServerContext, session: Session, msg: HelloMessage): void {
  if (msg.v !== PROTOCOL_VERSION) {
    throw new PivoteError('PV_UNSUPPORTED_VERSION', `protocol version ${msg.v} is not supported; this server speaks ${PROTOCOL_VERSION}`);
  }
  session.kioskId = msg.kioskId;
  session.software = msg.software;
  session.buttons = msg.buttons ?? null;
  session.nonce = newNonce();
  session.state = 'awaiting_auth';
  session.send({ type: 'challenge', v: PROTOCOL_VERSION, nonce: session.nonce, serverTime: ctx.clock() });
}
