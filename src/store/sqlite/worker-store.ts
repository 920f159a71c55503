import { Worker } from 'node:worker_threads';
import { PivoteError } from '../../protocol/errors.js';
import type { SqliteOpenOptions } from './schema.js';
import type { SqliteWorkerData } from './worker.js';
import type { VoteStore } from '../types.js';
import { STORE_METHODS, fromWireError, type StoreCall, type StoreMethod, type StoreReply, type WorkerReady } from './worker-protocol.js';

/**
 * The SQLite store on a thread of its own. better-sqlite3 is synchronous: on the server's
 * thread every group commit (statements, then fsync, now and then a checkpoint) stopped the
 * event loop, so no frame was read and no ack written meanwhile. Here the commit runs beside
 * the event loop, which goes on parsing and batching the next votes (docs/PERFORMANCE.md).
 *
 * Same VoteStore, same contract tests: calls are answered in the order they were made, and a
 * promise settles only after the worker's statement or transaction returned, so recordVotes
 * still resolves only once the batch is on disk.
 */

export interface WorkerStoreOptions extends SqliteOpenOptions {
  /** Told once if the thread dies; every pending and later call then fails PV_STORE_FAILED. */
  onFailure?: (err: PivoteError) => void;
}

type Method<M extends StoreMethod> = VoteStore[M] extends (...args: infer A) => Promise<infer R> ? { args: A; result: R } : never;

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** dist/store/sqlite/worker.js next to this file; from src/*.ts (vitest), the built twin:
 *  a worker thread cannot load TypeScript, and test/e2e/global-setup.ts rebuilds dist/. */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/store/sqlite/worker.js', here) : new URL('./worker.js', here);
}

/** Every VoteStore method but `close` is forwarded to the thread; the constructor makes them. */
type ForwardedMethods = Omit<VoteStore, 'kind' | 'close'>;
// Declaration merging: the class gets these members' types; the constructor assigns them.
export interface WorkerVoteStore extends ForwardedMethods {}

export class WorkerVoteStore implements VoteStore {
  readonly kind = 'sqlite';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: PivoteError | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly path: string,
    private readonly onFailure: ((err: PivoteError) => void) | undefined,
  ) {
    for (const method of STORE_METHODS) {
      if (method === 'close') continue;
      (this as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => this.call(method, args as Method<typeof method>['args']);
    }
    worker.on('message', (reply: StoreReply) => this.settle(reply));
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        if (this.closing === undefined) this.fail(new Error(`the store thread exited with code ${code}`));
        resolve();
      });
    });
  }

  /** Starts the thread and resolves once the database is open. Throws what opening throws
   *  (PV_NOT_A_PIVOTE_DB, PV_DB_TOO_NEW), as openSqliteVoteStore does. */
  static async open(path: string, opts: WorkerStoreOptions = {}): Promise<WorkerVoteStore> {
    const { onFailure, ...options } = opts;
    const workerData: SqliteWorkerData = { path, options };
    const worker = new Worker(workerScript(), { workerData, name: 'pivote-store' });
    const ready = await new Promise<WorkerReady>((resolve, reject) => {
      const onExit = (code: number): void => reject(new PivoteError('PV_STORE_FAILED', `the store thread exited with code ${code} while opening ${path}`, { path }));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (msg: WorkerReady) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(msg);
      });
    });
    if (!ready.ready) {
      await worker.terminate();
      throw fromWireError(ready.error);
    }
    return new WorkerVoteStore(worker, path, onFailure);
  }

  /** Closes the database on its thread, then waits for the thread to end. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.failure === undefined) {
        try {
          await this.send('close', []);
        } catch {
          // The thread failed meanwhile; terminating below is all that is left to do.
        }
      }
      if (this.failure !== undefined) await this.worker.terminate();
      await this.exited;
    })();
    return this.closing;
  }

  private call<M extends StoreMethod>(method: M, args: Method<M>['args']): Promise<Method<M>['result']> {
    if (this.closing !== undefined) return Promise.reject(new Error('store is closed'));
    return this.send(method, args) as Promise<Method<M>['result']>;
  }

  private send(method: StoreMethod, args: readonly unknown[]): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args: [...args] } satisfies StoreCall);
    });
  }

  private settle(reply: StoreReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(fromWireError(reply.error));
  }

  private fail(cause: unknown): void {
    if (this.failure !== undefined) return;
    const message = cause instanceof Error ? cause.message : String(cause);
    this.failure = new PivoteError('PV_STORE_FAILED', `the store thread stopped: ${message}`, { path: this.path }, { cause });
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.onFailure?.(this.failure);
  }
}

/** openSqliteVoteStore, with the connection on its own thread. */
export function openSqliteVoteStoreInWorker(path: string, opts: WorkerStoreOptions = {}): Promise<WorkerVoteStore> {
  return WorkerVoteStore.open(path, opts);
}
