import type { Command } from 'commander';
import { KIOSK_ID_PATTERN, MAX_ID_LENGTH } from '../../protocol/messages.js';
import { PivoteError } from '../../protocol/errors.js';
import type { CliContext } from '../context.js';
import { addDbOption } from '../db.js';
import { formatParser } from '../output.js';

/**
 * The `pivote fleet` commands: options and help only; what they do is in ../actions/fleet.ts,
 * imported when one of them runs.
 */

/** A kiosk counts as online while connected and heard from within this window (3 heartbeats). */
export const ONLINE_STALE_MS = 45_000;

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
    const { fleetAdd } = await import('../actions/fleet.js');
    await fleetAdd(ctx, id, opts);
  });

  addDbOption(
    fleet
      .command('list')
      .description(`list every kiosk: online/offline (heard from in the last ${ONLINE_STALE_MS / 1000} s), last seen, queued votes, version, revoked`)
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
    'read',
  ).action(async (opts: { format: 'table' | 'json'; db: string }) => {
    const { fleetList } = await import('../actions/fleet.js');
    await fleetList(ctx, opts);
  });

  addDbOption(
    fleet
      .command('revoke')
      .description('revoke a kiosk: the server refuses it from now on and drops its connection')
      .argument('<id>', 'the kiosk to revoke'),
    'write',
  ).action(async (id: string, opts: { db: string }) => {
    const { fleetRevoke } = await import('../actions/fleet.js');
    await fleetRevoke(ctx, id, opts);
  });
}
