import type { ResultsGrouping } from '../admin/results-view.js';
import type { ServerAddress } from '../kiosk/transport/server-address.js';
import type { PublicResults } from '../store/types.js';

/**
 * The options of every command, in one place: ./commands declare them to commander, ./actions
 * receive them, and neither imports the other for its types.
 */

/** Where a command finds the server's state: a database file, or a running server's API. */
export interface TargetOptions {
  db: string;
  url?: string;
  tokenFile?: string;
}

export type ListFormat = 'table' | 'json';

export interface PollOpenOptions extends TargetOptions {
  question?: string;
  option?: string[];
  opensAt?: number;
  closesAt?: number;
  public?: PublicResults;
}

export interface PollScheduleOptions extends TargetOptions {
  /** 'none' clears. */
  opensAt?: number | 'none';
  closesAt?: number | 'none';
  public?: PublicResults;
}

export interface PollListOptions extends TargetOptions {
  format: ListFormat;
}

export interface FleetAddOptions extends TargetOptions {
  name?: string;
  location?: string;
  fromFile?: string;
  format: 'text' | 'json';
}

export interface FleetListOptions extends TargetOptions {
  format: ListFormat;
}

export interface FleetSecretOptions extends TargetOptions {
  format: 'text' | 'json';
}

export interface FleetSetOptions extends TargetOptions {
  name?: string;
  location?: string;
}

export interface ResultsOptions extends TargetOptions {
  poll?: number;
  by?: ResultsGrouping;
  tz?: string;
  includeFlagged?: boolean;
  format: 'table' | 'json' | 'csv';
}

export interface ExportOptions extends TargetOptions {
  poll?: number;
  format: 'csv' | 'jsonl';
  excludeFlagged?: boolean;
}

export interface DbMigrateOptions {
  /** The SQLite file to copy from. */
  from: string;
  /** The postgres:// URL to copy into. */
  to: string;
  format: 'text' | 'json';
}

export interface AdminTokenOptions {
  db: string;
  tokenFile?: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  db: string;
  logLevel: string;
  maxConnections: number;
  heartbeatMs: number;
  burstWindow: number;
  burstMax: number;
  tlsCert?: string;
  tlsKey?: string;
  authTimeoutMs: number;
  frameTimeoutMs: number;
  /** commander's --no-http sets it false. */
  http: boolean;
  httpHost?: string;
  httpPort: number;
  adminTokenFile?: string;
  tz?: string;
}

export interface SimCommandOptions extends TargetOptions {
  /** One or more servers (of one database): the kiosks are spread over them. */
  server: ServerAddress[];
  kiosks: number;
  votes?: number;
  rate?: number;
  duration?: number;
  seed?: number;
  lockoutMs: number;
  dataDir?: string;
  drainTimeout: number;
  format: 'text' | 'json';
  logLevel: string;
  tlsCa?: string;
  tlsFingerprint?: string;
}

/** Resolves when the command should stop (SIGINT/SIGTERM; tests pass their own). */
export type StopSignal = () => Promise<unknown>;

export interface DemoOptions {
  duration?: number;
  dataDir: string;
  kiosks: number;
  rate?: number;
  seed?: number;
  httpPort: number;
}
