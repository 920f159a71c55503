import type { Command } from 'commander';

/**
 * Everything a command needs from the outside world. main.ts builds the real one from the
 * process; tests build one that captures output and fixes the clock. Commands never touch
 * process.stdout, process.env or Date.now directly.
 */
export interface CliContext {
  /** Human and machine output (tables, JSON, CSV). Text is written as given. */
  stdout(text: string): void;
  /** True when stdout is a terminal that can be redrawn in place (the demo's live tally). */
  stdoutIsTTY?: boolean;
  /** Errors and hints. */
  stderr(text: string): void;
  /** Wall clock, ms since the Unix epoch. */
  now(): number;
  /** The process environment, read once by main.ts. */
  env: Readonly<Record<string, string | undefined>>;
  /** Print stack traces of unexpected (non-PivoteError) errors; set by PIVOTE_DEBUG=1. */
  debug: boolean;
  /** Who changes made through --db are recorded as in the audit log (`cli user@host`). */
  actor?: string;
}

/** One per command file: adds its command (with subcommands) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;
