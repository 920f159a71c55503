import { readFileSync } from 'node:fs';
import type { BenchClient, ClientHooks } from './client.js';
import type { ConnectCommand, GeneratorCommand, GeneratorEvent, KioskCredentials } from './ipc.js';
import { LeanMqttBenchClient } from './lean-mqtt-client.js';
import { loadMqtt, MqttBenchClient } from './mqtt-client.js';
import { PhaseRunner } from './phase.js';
import { PivoteBenchClient } from './pivote-client.js';

/**
 * One load-generator process: a child of the harness (IPC channel) holding its share of the
 * simulated kiosk connections; the harness runs several (generator-pool.ts) so that the load is
 * not limited by one process. All clients connect and authenticate first, then phases run;
 * connecting while others vote would measure loopback SYN drops, not the server.
 */

let clients: BenchClient[] = [];
/** Client indexes run 0 .. slots-1 (failed ones included), for per-client backlogs. */
let slots = 0;
let phase: PhaseRunner | null = null;
let heartbeatTimer: NodeJS.Timeout | undefined;

const hooks: ClientHooks = {
  onAnswer: (client, intendedAt, ok) => phase?.onAnswer(client, intendedAt, ok),
  onHeartbeatRtt: (ms) => phase?.onHeartbeatRtt(ms),
  onClose: () => phase?.onClose(),
};

function emit(event: GeneratorEvent): void {
  process.send?.(event);
}

async function connectAll(cmd: ConnectCommand): Promise<void> {
  const started = performance.now();
  const kiosks = (JSON.parse(readFileSync(cmd.kiosksFile, 'utf8')) as KioskCredentials[]).slice(cmd.first, cmd.first + cmd.count);
  let make: (k: KioskCredentials, index: number) => BenchClient;
  const keepaliveS = Math.max(1, Math.round(cmd.heartbeatMs / 1000));
  if (cmd.protocol === 'mqtt-lean') {
    make = (k, index) => new LeanMqttBenchClient({ index, kioskId: k.id, host: cmd.host, port: cmd.port, pollId: cmd.pollId, window: cmd.window, keepaliveS, hooks });
  } else if (cmd.protocol === 'mqtt') {
    const loaded = await loadMqtt();
    if ('error' in loaded) throw new Error(loaded.error);
    make = (k, index) =>
      new MqttBenchClient({ mqtt: loaded.mqtt, index, kioskId: k.id, host: cmd.host, port: cmd.port, pollId: cmd.pollId, window: cmd.window, keepaliveS, hooks });
  } else {
    const portOf = (index: number): number => (cmd.ports === undefined ? cmd.port : cmd.ports[(cmd.first + index) % cmd.ports.length]!);
    make = (k, index) =>
      new PivoteBenchClient({ index, kioskId: k.id, secret: k.secret, host: cmd.host, port: portOf(index), pollId: cmd.pollId, window: cmd.window, hooks });
  }
  const all = kiosks.map(make);
  const errors = new Map<string, number>();
  let next = 0;
  // A fixed number of handshakes in progress at once.
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const client = all[next++]!;
      try {
        await client.connect(cmd.timeoutMs);
      } catch (err) {
        const reason = (err as Error).message;
        errors.set(reason, (errors.get(reason) ?? 0) + 1);
        client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, all.length) }, worker));
  clients = all.filter((c) => c.open);
  slots = all.length;
  heartbeatTimer = setInterval(() => {
    const now = performance.now();
    for (const c of clients) c.tick(now);
  }, 100);
  emit({
    ev: 'connected',
    connected: clients.length,
    failed: all.length - clients.length,
    errors: [...errors].slice(0, 5).map(([reason, n]) => `${n} x ${reason}`),
    ms: performance.now() - started,
    rssBytes: process.memoryUsage.rss(),
  });
}

async function handle(cmd: GeneratorCommand): Promise<void> {
  switch (cmd.cmd) {
    case 'connect':
      await connectAll(cmd);
      return;
    case 'phase': {
      const voters = clients.filter((c) => c.open).slice(0, cmd.voters);
      phase = new PhaseRunner(cmd, voters, slots);
      const result = await phase.run();
      phase = null;
      emit(result);
      return;
    }
    case 'close':
      if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
      for (const c of clients) c.close();
      clients = [];
      emit({ ev: 'closed' });
      process.disconnect?.();
      return;
  }
}

let queue = Promise.resolve();
process.on('message', (msg: GeneratorCommand) => {
  queue = queue.then(() => handle(msg)).catch((err: unknown) => emit({ ev: 'error', message: (err as Error).stack ?? String(err) }));
});
process.on('disconnect', () => {
  // The harness went away: nothing left to do.
  for (const c of clients) c.close();
  process.exit(0);
});
