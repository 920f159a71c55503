/**
 * Changes committed to a store that several servers share (PostgreSQL `LISTEN/NOTIFY`). A
 * notification is a hint to re-read, never the data itself: it says WHAT to re-read. One sent
 * while nobody listened is lost, so after `listening` (the listener (re)connected) a server
 * re-reads everything it caches, and still re-reads now and then as a safety net.
 *
 * - `listening`: the listener is connected and listening; `reconnected` after a loss.
 * - `listener-lost`: the connection dropped; it reconnects with backoff (then `listening`).
 * - `poll`: a poll was created, opened, closed, updated or deleted (a draft).
 * - `kiosks`: organisers changed these kiosks (added, updated, revoked, reactivated, rotated,
 *   removed); re-read them, and their access (`kioskIds` null: too many to list).
 * - `votes`: batches committed by one server, counted per poll (`polls` null: too many to list).
 * - `presence`: these kiosks went online or offline (`kioskIds` null: too many to list).
 * - `kiosk-claimed`: `serverId` now holds the kiosk's connection with `epoch`. A server holding the
 *   kiosk with a smaller epoch, or with the same epoch under another server id, was superseded
 *   and drops its connection.
 * - `alert`: an alert was raised, cleared or acknowledged; `alert-rules`: the rules changed.
 */
export type StoreChange =
  | { kind: 'listening'; reconnected: boolean }
  | { kind: 'listener-lost'; message: string }
  | { kind: 'poll'; pollId: number; change: PollChange }
  | { kind: 'kiosks'; kioskIds: string[] | null; change: KioskChange }
  | { kind: 'votes'; polls: { pollId: number; stored: number; flagged: number }[] | null }
  | { kind: 'presence'; kioskIds: string[] | null }
  | { kind: 'kiosk-claimed'; kioskId: string; epoch: number; serverId: string }
  | { kind: 'alert'; alertId: number; change: AlertChange }
  | { kind: 'alert-rules' };

export type PollChange = 'created' | 'opened' | 'closed' | 'updated' | 'deleted';
export const POLL_CHANGES: readonly PollChange[] = ['created', 'opened', 'closed', 'updated', 'deleted'];
export type KioskChange = 'added' | 'updated' | 'revoked' | 'reactivated' | 'rotated' | 'removed';
export const KIOSK_CHANGES: readonly KioskChange[] = ['added', 'updated', 'revoked', 'reactivated', 'rotated', 'removed'];
export type AlertChange = 'raised' | 'cleared' | 'acknowledged';
export const ALERT_CHANGES: readonly AlertChange[] = ['raised', 'cleared', 'acknowledged'];

/** Who holds a kiosk's connection, as the last claim wrote it (see claimKioskConnection). */
export interface KioskClaim {
  kioskId: string;
  epoch: number;
  serverId: string | null;
}
