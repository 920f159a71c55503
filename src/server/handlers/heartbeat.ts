import type { HeartbeatMessage } from '../../protocol/messages.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** heartbeat -> heartbeat_ack. Presence is updated in memory; the tracker writes it in batches. */
export function handleHeartbeat(ctx: ServerContext, session: Session, msg: HeartbeatMessage): void {
  const now = ctx.clock();
  if (session.presence) ctx.presence.heartbeat(session.presence, msg.queued, now);
  session.send({ type: 'heartbeat_ack', serverTime: now });
}
