import type { Command } from 'commander';
import { addTargetOptions } from '../target-options.js';
import type { CliContext } from '../context.js';
import type { FleetAddOptions, FleetListOptions, FleetSecretOptions, FleetSetOptions, TargetOptions } from '../options.js';
import { formatParser } from '../output.js';

/**
 * The `pivote fleet` commands: options and help only; what they do is in ../actions/fleet.ts,
 * imported when one of them runs.
 */
/** ONLINE_STALE_MS of src/admin/views.ts, repeated so `--help` does not load the admin layer
 *  (test/cli/lazy-commands.test.ts checks they agree). */
export const ONLINE_WINDOW_S = 45;

export function registerFleet(program: Command, ctx: CliContext): void {
  const fleet = program.command('fleet').description('register, list, rename, re-key, revoke and remove kiosks');
  const run = <A extends unknown[]>(fn: (actions: typeof import('../actions/fleet.js'), ...args: A) => Promise<void>) =>
    async (...args: A) => fn(await import('../actions/fleet.js'), ...args);

  addTargetOptions(
    fleet
      .command('add')
      .description('register kiosks and print each secret (shown only this once)')
      .argument('[ids...]', "kiosk ids, as in their config files: letters, digits, '.', '-', '_'")
      .option('--name <name>', 'a display name (default: the id; one id only)')
      .option('--location <location>', 'where the kiosk stands (one id only)')
      .option('--from-file <file>', 'register every kiosk of a CSV file: id,name,location (a header line is optional)')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text'),
  ).action(run((a, ids: string[], opts: FleetAddOptions) => a.fleetAdd(ctx, ids, opts)));

  addTargetOptions(
    fleet
      .command('list')
      .description(`list every kiosk: online/offline (heard from in the last ${ONLINE_WINDOW_S} s), last seen, queued votes, version, buttons, warnings`)
      .option('--format <format>', 'table or json', formatParser(['table', 'json'] as const), 'table'),
  ).action(run((a, opts: FleetListOptions) => a.fleetList(ctx, opts)));

  addTargetOptions(
    fleet
      .command('set')
      .description("rename or relocate a kiosk")
      .argument('<id>', 'the kiosk')
      .option('--name <name>', 'a new display name')
      .option('--location <location>', 'a new location'),
  ).action(run((a, id: string, opts: FleetSetOptions) => a.fleetSet(ctx, id, opts)));

  addTargetOptions(
    fleet
      .command('rotate-secret')
      .description('give a kiosk a new secret: the old one stops working at once, a connected kiosk is dropped')
      .argument('<id>', 'the kiosk')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text'),
  ).action(run((a, id: string, opts: FleetSecretOptions) => a.fleetSecret(ctx, 'rotate', id, opts)));

  addTargetOptions(
    fleet.command('revoke').description('revoke a kiosk: the server refuses it from now on and drops its connection').argument('<id>', 'the kiosk'),
  ).action(run((a, id: string, opts: TargetOptions) => a.fleetRevoke(ctx, id, opts)));

  addTargetOptions(
    fleet
      .command('reactivate')
      .description('undo a revocation; the kiosk gets a new secret')
      .argument('<id>', 'the revoked kiosk')
      .option('--format <format>', 'text or json', formatParser(['text', 'json'] as const), 'text'),
  ).action(run((a, id: string, opts: FleetSecretOptions) => a.fleetSecret(ctx, 'reactivate', id, opts)));

  addTargetOptions(
    fleet.command('remove').description('remove a revoked kiosk from the fleet (its votes stay counted; its id may be added again)').argument('<id>', 'the revoked kiosk'),
  ).action(run((a, id: string, opts: TargetOptions) => a.fleetRemove(ctx, id, opts)));
}
