import { newSecret } from '../../protocol/auth.js';
import { isKioskOnline, type KioskRecord } from '../../store/types.js';
import { ONLINE_STALE_MS } from '../commands/fleet.js';
import type { CliContext } from '../context.js';
import { withStore } from '../db.js';
import { formatAgo, formatTime, renderJson, renderTable } from '../output.js';

/** `pivote fleet add|list|revoke`, loaded only when one of them runs (see ../commands/fleet.ts). */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function kioskJson(k: KioskRecord, now: number) {
  return {
    id: k.id,
    name: k.name,
    location: k.location,
    online: isKioskOnline(k, now, ONLINE_STALE_MS),
    lastSeenAt: iso(k.lastSeenAt),
    queued: k.queued,
    software: k.software,
    revoked: k.revokedAt !== null,
    revokedAt: iso(k.revokedAt),
    createdAt: iso(k.createdAt),
  };
}

function kioskRow(k: KioskRecord, now: number): string[] {
  return [
    k.id,
    k.name,
    k.location || '-',
    isKioskOnline(k, now, ONLINE_STALE_MS) ? 'online' : 'offline',
    k.lastSeenAt === null ? 'never' : `${formatTime(k.lastSeenAt)} (${formatAgo(k.lastSeenAt, now)})`,
    String(k.queued),
    k.software ?? '-',
    k.revokedAt === null ? 'no' : `yes, ${formatTime(k.revokedAt)}`,
  ];
}

export async function fleetAdd(ctx: CliContext, id: string, opts: { name?: string; location: string; format: 'text' | 'json'; db: string }): Promise<void> {
  const kiosk = await withStore(opts.db, 'write', (store) =>
    store.addKiosk({ id, name: opts.name ?? id, location: opts.location, secret: newSecret(), createdAt: ctx.now() }),
  );
  if (opts.format === 'json') {
    ctx.stdout(renderJson({ id: kiosk.id, name: kiosk.name, location: kiosk.location, secret: kiosk.secret }));
    return;
  }
  ctx.stdout(
    [
      `Added kiosk ${kiosk.id} (${kiosk.name}).`,
      '',
      `Secret: ${kiosk.secret}`,
      '',
      'It is shown only this once. Put it in the kiosk\'s config file (see hardware/kiosk.example.json):',
      `  "kioskId": ${JSON.stringify(kiosk.id)},`,
      `  "secret": ${JSON.stringify(kiosk.secret)}`,
      'Lost it? `pivote fleet revoke` the kiosk and add it again under a new id.',
      '',
    ].join('\n'),
  );
}

export async function fleetList(ctx: CliContext, opts: { format: 'table' | 'json'; db: string }): Promise<void> {
  const kiosks = await withStore(opts.db, 'read', (store) => store.listKiosks());
  const now = ctx.now();
  if (opts.format === 'json') {
    ctx.stdout(renderJson(kiosks.map((k) => kioskJson(k, now))));
    return;
  }
  if (kiosks.length === 0) {
    ctx.stdout('No kiosks registered yet; add one with `pivote fleet add <id>`.\n');
    return;
  }
  const headers = ['id', 'name', 'location', 'status', 'last seen', 'queued', 'version', 'revoked'];
  ctx.stdout(renderTable(headers, kiosks.map((k) => kioskRow(k, now))));
}

export async function fleetRevoke(ctx: CliContext, id: string, opts: { db: string }): Promise<void> {
  const at = ctx.now();
  const kiosk = await withStore(opts.db, 'write', (store) => store.revokeKiosk(id, at));
  const when = formatTime(kiosk.revokedAt);
  ctx.stdout(kiosk.revokedAt === at ? `Revoked kiosk ${kiosk.id} at ${when}.\n` : `Kiosk ${kiosk.id} was already revoked at ${when}.\n`);
}
