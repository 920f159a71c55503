import type { Command } from 'commander';
import { KIOSK_ID_PATTERN, MAX_ID_LENGTH } from '../../protocol/messages.js';
import { PivoteError } from '../../protocol/errors.js';
import { newSecret } from '../../protocol/auth.js';
import { isKioskOnline, type KioskRecord } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { addDbOption, withStore } from '../db.js';
import { formatAgo, formatParser, formatTime, renderJson, renderTable } from '../output.js';

/** A kiosk counts as online while connected and heard from within this window (3 heartbeats). */
export const ONLINE_STALE_MS = 45_000;

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

function checkKioskId(id: string): void {
  if (!KIOSK_ID_PATTERN.test(id)) {
    throw new PivoteError('PV_USAGE', `kiosk id "${id}" must be 1-${MAX_ID_LENGTH} letters, digits, '.', '-' or '_'`, { kioskId: id });
  }
}

export function registerFleet(program: Command, ctx: CliContext): void {
  const fleet = program.command('fleet').description('register, list and revoke kiosks');

  addDbOption(
    fleet
      .command('add')
      .description("register a kiosk and print its secret (shown only this once)")
      .argument('<id>', "the kiosk's id, as in its config file: letters, digits, '.', '-', '_'")
      .option('--name <name>', 'a display name (default: the id)')
      .option('--location <location>', 'where the kiosk stands', '')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text'),
    'write',
  ).action(async (id: string, opts: { name?: string; location: string; format: 'text' | 'json'; db: string }) => {
    checkKioskId(id); // before opening, so a typo does not create a database
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
  });

  addDbOption(
    fleet
      .command('list')
      .description(`list every kiosk: online/offline (heard from in the last ${ONLINE_STALE_MS / 1000} s), last seen, queued votes, version, revoked`)
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
    'read',
  ).action(async (opts: { format: 'table' | 'json'; db: string }) => {
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
  });

  addDbOption(
    fleet
      .command('revoke')
      .description('revoke a kiosk: the server refuses it from now on and drops its connection')
      .argument('<id>', 'the kiosk to revoke'),
    'write',
  ).action(async (id: string, opts: { db: string }) => {
    const at = ctx.now();
    const kiosk = await withStore(opts.db, 'write', (store) => store.revokeKiosk(id, at));
    const when = formatTime(kiosk.revokedAt);
    ctx.stdout(kiosk.revokedAt === at ? `Revoked kiosk ${kiosk.id} at ${when}.\n` : `Kiosk ${kiosk.id} was already revoked at ${when}.\n`);
  });
}
