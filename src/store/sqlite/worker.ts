import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteOpenOptions } from './schema.js';
import { openSqliteVoteStore, type SqliteVoteStore } from './sqlite-store.js';
import { isStoreMethod, toWireError, type StoreCall, type StoreReply, type WorkerReady } from './worker-protocol.js';

/**
 * The thread that owns the server's SQLite connection (see worker-store.ts). Calls arrive in
 * order and run one at a time, each to completion, so a call sees every earlier call's writes:
 * the same ordering a caller on the main thread had.
 */
export interface SqliteWorkerData {
  path: string;
  options: SqliteOpenOptions;
}

function serve(port: NonNullable<typeof parentPort>, store: SqliteVoteStore): void {
  port.on('message', (call: StoreCall) => {
    void answer(store, call).then((reply) => {
      port.postMessage(reply);
      // After close, nothing else may arrive; letting the port go ends the thread.
      if (call.method === 'close' && reply.ok) port.close();
    });
  });
}

async function answer(store: SqliteVoteStore, call: StoreCall): Promise<StoreReply> {
  try {
    if (!isStoreMethod(call.method)) throw new Error(`unknown store method ${String(call.method)}`);
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    return { id: call.id, ok: true, value: await method.apply(store, call.args) };
  } catch (err) {
    return { id: call.id, ok: false, error: toWireError(err) };
  }
}

function main(): void {
  if (!parentPort) throw new Error('worker.js runs as a worker thread (see worker-store.ts)');
  const data = workerData as SqliteWorkerData;
  let store: SqliteVoteStore;
  try {
    store = openSqliteVoteStore(data.path, data.options);
  } catch (err) {
    parentPort.postMessage({ ready: false, error: toWireError(err) } satisfies WorkerReady);
    parentPort.close();
    return;
  }
  parentPort.postMessage({ ready: true } satisfies WorkerReady);
  serve(parentPort, store);
}

main();
