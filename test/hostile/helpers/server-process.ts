import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ensureBuilt } from '../../e2e/build.js';

/**
 * `pivote server` as a real child process: the built binary (dist/cli/main.js, rebuilt when older
 * than src/, as for the e2e tests). The server logs JSON lines on stdout; they are read as they
 * come (a full pipe would block the server's synchronous logger), parsed, and only the ones tests
 * look at are kept.
 */

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServerProcessOptions {
  dbPath: string;
  /** Extra `pivote server` options, e.g. ['--auth-timeout-ms', '500']. */
  args?: string[];
  logLevel?: 'debug' | 'info' | 'warn';
  startTimeoutMs?: number;
}

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  /** Lines at warn level or above, and those with a `code` (connections closed with a reason). */
  readonly notable: LogLine[];
  /** Count of log lines per `code` field (e.g. PV_AUTH_TIMEOUT closes). */
  readonly codes: Map<string, number>;
  stderr(): string;
  get alive(): boolean;
  /** SIGTERM; resolves with the exit code (null if killed by a signal). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, for cleanup after a failed test. */
  kill(): void;
}

/** Runs `pivote <args>` to completion from source; for admin commands that must be a separate process. */
export async function runPivote(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await ensureBuilt();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`pivote ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  await ensureBuilt();
  const args = ['server', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--db', opts.dbPath, '--log-level', opts.logLevel ?? 'info', ...(opts.args ?? [])];
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const notable: LogLine[] = [];
  const codes = new Map<string, number>();
  let stderr = '';
  let buffer = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

  return new Promise((resolve, reject) => {
    let port: number | undefined;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in time; stderr: ${stderr}`));
    }, opts.startTimeoutMs ?? 20_000);
    void exited.then((code) => {
      if (port === undefined) {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
      }
    });
    proc.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const text of lines) {
        if (text.trim() === '') continue;
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          notable.push({ level: 60, msg: `unparsable log line: ${text.slice(0, 200)}` });
          continue;
        }
        if (typeof line.code === 'string') codes.set(line.code, (codes.get(line.code) ?? 0) + 1);
        if (line.level >= 40) notable.push(line);
        if (port === undefined && line.msg === 'listening for kiosks' && typeof line.port === 'number') {
          port = line.port;
          clearTimeout(timer);
          resolve(handle(port));
        }
      }
    });
  });

  function handle(port: number): ServerProcess {
    return {
      proc,
      port,
      notable,
      codes,
      stderr: () => stderr,
      get alive() {
        return exitCode === undefined;
      },
      async stop(timeoutMs = 15_000) {
        if (exitCode !== undefined) return exitCode;
        proc.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            proc.kill('SIGKILL');
            reject(new Error(`server did not stop within ${timeoutMs} ms of SIGTERM`));
          }, timeoutMs);
        });
        try {
          return await Promise.race([exited, timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
      kill() {
        if (exitCode === undefined) proc.kill('SIGKILL');
      },
    };
  }
}
