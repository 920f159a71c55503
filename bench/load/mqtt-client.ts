import net from 'node:net';
import { voteFrame, type BenchClient, type ClientHooks } from './client.js';

/**
 * The peer's client: one MQTT connection per kiosk publishing the same vote JSON with QoS 1;
 * the PUBACK is the acknowledgement. mqtt.js is a devDependency loaded at run time, so the rest
 * of the bench (and the project's typecheck) works without it; only the part we use is typed.
 */
interface MqttClientLike {
  on(event: 'connect', cb: () => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  publish(topic: string, message: string, opts: { qos: 1 }, cb: (err?: Error) => void): unknown;
  end(force?: boolean): unknown;
}

export interface MqttModule {
  MqttClient: new (streamBuilder: () => net.Socket, options: Record<string, unknown>) => MqttClientLike;
}

/** mqtt.js, or null with the reason when it is not installed. */
export async function loadMqtt(): Promise<{ mqtt: MqttModule } | { error: string }> {
  const specifier = 'mqtt'; // a variable, so TypeScript does not need the package to compile
  try {
    const mod = (await import(specifier)) as { default?: MqttModule } & Partial<MqttModule>;
    const mqtt = mod.MqttClient ? (mod as MqttModule) : mod.default;
    if (!mqtt?.MqttClient) return { error: 'the mqtt package has no MqttClient export' };
    return { mqtt };
  } catch (err) {
    return { error: `mqtt.js is not installed (${(err as Error).message.split('\n')[0]}); run npm install` };
  }
}

export interface MqttClientOptions {
  mqtt: MqttModule;
  index: number;
  kioskId: string;
  host: string;
  port: number;
  pollId: number;
  window: number;
  keepaliveS: number;
  hooks: ClientHooks;
}

export class MqttBenchClient implements BenchClient {
  readonly id: string;
  readonly index: number;
  readonly window: number;
  inflight = 0;
  open = false;
  private client: MqttClientLike | null = null;
  private seq = 0;
  private readonly topic: string;
  private closeReason = 'closed';

  constructor(private readonly opts: MqttClientOptions) {
    this.id = opts.kioskId;
    this.index = opts.index;
    this.window = opts.window;
    this.topic = `pivote/votes/${opts.kioskId}`;
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(new Error('CONNACK timed out'));
        this.client?.end(true);
      }, timeoutMs);
      // Injected stream: the same Nagle-free TCP socket the pivote clients use.
      const build = (): net.Socket => net.createConnection({ host: this.opts.host, port: this.opts.port, noDelay: true });
      const client = new this.opts.mqtt.MqttClient(build, {
        clientId: this.id,
        protocolVersion: 4,
        clean: true,
        keepalive: this.opts.keepaliveS,
        reconnectPeriod: 0,
        connectTimeout: timeoutMs,
      });
      this.client = client;
      client.on('connect', () => {
        this.open = true;
        settle();
      });
      client.on('error', (err) => {
        this.closeReason = err.message;
        settle(err);
      });
      client.on('close', () => {
        const wasOpen = this.open;
        this.open = false;
        settle(new Error(this.closeReason));
        if (wasOpen) this.opts.hooks.onClose(this, this.closeReason);
      });
    });
  }

  sendVote(intendedAt: number): void {
    const client = this.client;
    if (client === null) return;
    this.inflight++;
    client.publish(this.topic, voteFrame(this.id, ++this.seq, this.opts.pollId), { qos: 1 }, (err) => {
      this.inflight--;
      this.opts.hooks.onAnswer(this, intendedAt, err === undefined || err === null);
    });
  }

  tick(): void {
    // mqtt.js sends PINGREQ on its own keepalive timer.
  }

  close(): void {
    this.client?.end(true);
  }
}
