import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnProcess, waitForPort } from '../proc/processes.js';
import type { WireProtocol } from '../load/ipc.js';
import { processTarget, type Target, type TargetName, type TargetStart } from './target.js';

/**
 * The peer: Debian's Mosquitto, started by the bench on a free loopback port with its own
 * config. Persistence is off: Mosquitto never fsyncs per message anyway (with persistence on it
 * snapshots its in-memory store every autosave_interval), so its PUBACK means "in the broker's
 * memory", while pivote's ack means "committed to disk". The report says so.
 */

export interface MosquittoInfo {
  path: string | null;
  version: string | null;
  /** What the bench did to get it (or why it could not). */
  note: string;
}

function findBinary(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found !== '' ? found : null;
}

function versionOf(path: string): string | null {
  // `mosquitto -h` prints "mosquitto version X" and exits non-zero.
  const out = spawnSync(path, ['-h'], { encoding: 'utf8' });
  const m = /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`);
  return m?.[1] ?? null;
}

/** Finds Mosquitto; installs Debian's package when missing, allowed and running as root. */
export function ensureMosquitto(allowInstall: boolean, log: (line: string) => void): MosquittoInfo {
  let path = findBinary();
  if (path !== null) return { path, version: versionOf(path), note: `found ${path}` };
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!allowInstall || !root || !hasApt) {
    const why = !allowInstall ? '--no-install given' : !root ? 'not root' : 'no apt-get';
    return { path: null, version: null, note: `Mosquitto is not installed and was not installed (${why}); install the Debian package "mosquitto" to compare` };
  }
  log('Mosquitto is not installed: installing the Debian package with apt-get …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { encoding: 'utf8', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env });
    res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { encoding: 'utf8', env });
  }
  path = findBinary();
  if (res.status !== 0 || path === null) {
    return { path: null, version: null, note: `installing mosquitto with apt-get failed: ${res.stderr.trim().split('\n').slice(-2).join(' ')}` };
  }
  return { path, version: versionOf(path), note: `installed the Debian package with apt-get (${path})` };
}

export const MOSQUITTO_PERSISTENCE = false;

export async function startMosquitto(start: TargetStart, binary: string, window: number, name: TargetName = 'mosquitto', protocol: WireProtocol = 'mqtt'): Promise<Target> {
  const port = await freePort();
  const conf = join(start.runDir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${MOSQUITTO_PERSISTENCE}`,
      // Outgoing QoS 1 window; no subscriber here, so it only documents the match with pivote's window.
      `max_inflight_messages ${window}`,
      'max_queued_messages 1000',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = spawnProcess({ command: binary, args: ['-c', conf], needFds: start.needFds });
  child.stdout?.resume();
  child.stderr?.resume();
  await waitForPort(port, 10_000);
  return processTarget(name, protocol, child, port, null);
}
