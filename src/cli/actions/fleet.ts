import { readFileSync } from 'node:fs';
import type { NewKioskInput } from '../../admin/api.js';
import type { KioskView, KioskWithSecret } from '../../admin/views.js';
import { PivoteError } from '../../protocol/errors.js';
import { checkKioskId } from '../../store/kiosk-rules.js';
import { withAdmin } from '../admin-target.js';
import type { CliContext } from '../context.js';
import type { FleetAddOptions, FleetListOptions, FleetSecretOptions, FleetSetOptions, TargetOptions } from '../options.js';
import { formatAgo, formatTime, renderJson, renderTable } from '../output.js';

/** `pivote fleet …`, loaded only when one of them runs (see ../commands/fleet.ts). */

const ms = (t: string | null): number | null => (t === null ? null : Date.parse(t));

/** Kiosks to register from a CSV file: `id,name,location`, header optional, `#` comments. */
export function parseKioskFile(text: string, path: string): NewKioskInput[] {
  const out: NewKioskInput[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [id = '', name, location] = trimmed.split(',').map((f) => f.trim());
    if (i === 0 && id.toLowerCase() === 'id') return;
    try {
      checkKioskId(id);
    } catch (err) {
      throw new PivoteError('PV_USAGE', `${path} line ${i + 1}: ${(err as Error).message}`);
    }
    out.push({ id, ...(name && { name }), ...(location && { location }) });
  });
  if (out.length === 0) throw new PivoteError('PV_USAGE', `${path} lists no kiosks (one "id,name,location" per line)`);
  return out;
}

function kioskInputs(ids: string[], opts: FleetAddOptions): NewKioskInput[] {
  if (opts.fromFile !== undefined) {
    if (ids.length > 0) throw new PivoteError('PV_USAGE', 'give kiosk ids or --from-file, not both');
    let text: string;
    try {
      text = readFileSync(opts.fromFile, 'utf8');
    } catch (err) {
      throw new PivoteError('PV_USAGE', `cannot read ${opts.fromFile}: ${(err as Error).message}`);
    }
    return parseKioskFile(text, opts.fromFile);
  }
  if (ids.length === 0) throw new PivoteError('PV_USAGE', 'name at least one kiosk id (or use --from-file)');
  if (ids.length > 1 && (opts.name !== undefined || opts.location !== undefined)) {
    throw new PivoteError('PV_USAGE', '--name and --location apply to one kiosk; use --from-file to give several their names');
  }
  // Checked before anything opens, so a typo does not even reach the database.
  for (const id of ids) {
    try {
      checkKioskId(id);
    } catch (err) {
      throw new PivoteError('PV_USAGE', (err as Error).message, { kioskId: id });
    }
  }
  return ids.map((id) => ({ id, ...(opts.name !== undefined && { name: opts.name }), ...(opts.location !== undefined && { location: opts.location }) }));
}

function secretText(added: KioskWithSecret[], verb: string): string {
  const blocks = added.map((a) =>
    [
      `${verb} kiosk ${a.kiosk.id} (${a.kiosk.name}).`,
      `Secret: ${a.secret}`,
      'Kiosk config lines (hardware/kiosk.example.json has the rest):',
      `  "kioskId": ${JSON.stringify(a.config.kioskId)},`,
      `  "secret": ${JSON.stringify(a.config.secret)}`,
    ].join('\n'),
  );
  return `${blocks.join('\n\n')}\n\nEach secret is shown only this once. Lost one? \`pivote fleet rotate-secret <id>\` makes a new one.\n`;
}

const secretJson = (a: KioskWithSecret) => ({ id: a.kiosk.id, name: a.kiosk.name, location: a.kiosk.location, secret: a.secret });

export async function fleetAdd(ctx: CliContext, ids: string[], opts: FleetAddOptions): Promise<void> {
  const inputs = kioskInputs(ids, opts);
  const added = await withAdmin(opts, ctx, 'write', (admin) => admin.addKiosks(inputs));
  if (opts.format === 'json') ctx.stdout(renderJson(added.length === 1 && ids.length === 1 ? secretJson(added[0]!) : added.map(secretJson)));
  else ctx.stdout(secretText(added, 'Added'));
}

export async function fleetSecret(ctx: CliContext, what: 'rotate' | 'reactivate', id: string, opts: FleetSecretOptions): Promise<void> {
  const result = await withAdmin(opts, ctx, 'write', (admin) => (what === 'rotate' ? admin.rotateKioskSecret(id) : admin.reactivateKiosk(id)));
  if (opts.format === 'json') ctx.stdout(renderJson(secretJson(result)));
  else ctx.stdout(secretText([result], what === 'rotate' ? 'New secret for' : 'Reactivated'));
}

function statusOf(k: KioskView, now: number): string {
  if (k.revoked) return 'revoked';
  if (k.online) return `online${k.onlineSince ? ` for ${formatAgo(Date.parse(k.onlineSince), now).replace(' ago', '')}` : ''}`;
  return k.lastSeenAt === null ? 'never seen' : `offline for ${formatAgo(Date.parse(k.lastSeenAt), now).replace(' ago', '')}`;
}

function warningsOf(k: KioskView, pollOptions: number | null): string {
  const w: string[] = [];
  if (k.idConflict) w.push(`two devices use this id (${k.idConflict.addresses.join(', ')}): re-key one with rotate-secret`);
  if (pollOptions !== null && k.buttons !== null && k.buttons < pollOptions) w.push(`${k.buttons} buttons for a ${pollOptions}-option poll`);
  return w.join('; ') || '-';
}

export async function fleetList(ctx: CliContext, opts: FleetListOptions): Promise<void> {
  const { kiosks, open } = await withAdmin(opts, ctx, 'read', async (admin) => {
    const [kiosks, polls] = await Promise.all([admin.listKiosks(), admin.listPolls()]);
    return { kiosks, open: polls.find((p) => p.state === 'open') ?? null };
  });
  const now = ctx.now();
  if (opts.format === 'json') {
    ctx.stdout(renderJson(kiosks));
    return;
  }
  if (kiosks.length === 0) {
    ctx.stdout('No kiosks registered yet; add one with `pivote fleet add <id>`.\n');
    return;
  }
  const rows = kiosks.map((k) => [
    k.id,
    k.name,
    k.location || '-',
    statusOf(k, now),
    k.lastSeenAt === null ? 'never' : `${formatTime(ms(k.lastSeenAt))} (${formatAgo(ms(k.lastSeenAt)!, now)})`,
    String(k.queued),
    String(k.votesToday),
    k.software ?? '-',
    k.buttons === null ? '-' : String(k.buttons),
    warningsOf(k, open?.options.length ?? null),
  ]);
  ctx.stdout(renderTable(['id', 'name', 'location', 'status', 'last seen', 'queued', 'today', 'version', 'buttons', 'warnings'], rows));
}

export async function fleetSet(ctx: CliContext, id: string, opts: FleetSetOptions): Promise<void> {
  if (opts.name === undefined && opts.location === undefined) throw new PivoteError('PV_USAGE', 'say what to change: --name and/or --location');
  const k = await withAdmin(opts, ctx, 'write', (admin) =>
    admin.updateKiosk(id, { ...(opts.name !== undefined && { name: opts.name }), ...(opts.location !== undefined && { location: opts.location }) }),
  );
  ctx.stdout(`Kiosk ${k.id}: ${k.name}${k.location ? `, ${k.location}` : ''}.\n`);
}

export async function fleetRevoke(ctx: CliContext, id: string, opts: TargetOptions): Promise<void> {
  const k = await withAdmin(opts, ctx, 'write', (admin) => admin.revokeKiosk(id));
  ctx.stdout(`Kiosk ${k.id} is revoked (since ${formatTime(ms(k.revokedAt))}); a running server drops its connection within a second.\n`);
}

export async function fleetRemove(ctx: CliContext, id: string, opts: TargetOptions): Promise<void> {
  await withAdmin(opts, ctx, 'write', (admin) => admin.removeKiosk(id));
  ctx.stdout(`Removed kiosk ${id}; its votes stay counted. The id may be registered again with \`pivote fleet add ${id}\`.\n`);
}
