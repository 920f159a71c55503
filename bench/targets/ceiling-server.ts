import net from 'node:net';
import { newNonce } from '../../src/protocol/auth.js';
import { FrameDecoder, ackFrameText } from '../../src/protocol/codec.js';
import { MAX_KIOSK_FRAME_BYTES, PROTOCOL_VERSION, type ServerMessage } from '../../src/protocol/messages.js';
import { parseKioskMessage } from '../../src/protocol/validate.js';

/**
 * The ceiling: the least a pivote-speaking server must do, and nothing more. Same framing,
 * same validation, same JSON answers, output coalesced per tick like the real session, but it
 * acknowledges every vote at once without storing it and welcomes any MAC. What pivote does
 * on top of this (store lookups, the group commit and its fsync, presence, deadlines) is the
 * difference the bench reports as pivote / ceiling.
 *
 * Run: node ceiling-server.js [--port N] [--heartbeat-ms MS]; prints {"msg":"listening","port":N} when ready.
 */

class CeilingSession {
  private readonly decoder = new FrameDecoder(MAX_KIOSK_FRAME_BYTES);
  private out = '';
  private flushScheduled = false;
  private kioskId = '';

  constructor(
    private readonly socket: net.Socket,
    private readonly heartbeatMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('error', () => socket.destroy());
  }

  private send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message) + '\n');
  }

  private sendText(text: string): void {
    this.out += text;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (!this.socket.destroyed) this.socket.write(this.out);
    this.out = '';
  };

  private readonly onData = (chunk: Buffer): void => {
    for (const frame of this.decoder.push(chunk)) {
      if (!frame.ok) {
        this.socket.destroy();
        return;
      }
      let msg;
      try {
        msg = parseKioskMessage(frame.value);
      } catch {
        this.socket.destroy();
        return;
      }
      const now = Date.now();
      switch (msg.type) {
        case 'hello':
          this.kioskId = msg.kioskId;
          this.send({ type: 'challenge', v: PROTOCOL_VERSION, nonce: newNonce(), serverTime: now });
          break;
        case 'auth':
          this.send({ type: 'welcome', kioskId: this.kioskId, window: 64, heartbeatMs: this.heartbeatMs, poll: null, serverTime: now });
          break;
        case 'vote':
          // Written as pivote writes it (the same characters as JSON.stringify of the message).
          this.sendText(ackFrameText(msg.voteId, msg.seq, 'stored', false));
          break;
        case 'heartbeat':
          this.send({ type: 'heartbeat_ack', serverTime: now });
          break;
      }
    }
  };
}

function main(): void {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const port = arg('--port', 0);
  const heartbeatMs = arg('--heartbeat-ms', 15_000);
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    new CeilingSession(socket, heartbeatMs);
  });
  server.listen({ host: '127.0.0.1', port, backlog: 1024 }, () => {
    process.stdout.write(JSON.stringify({ msg: 'listening', port: (server.address() as net.AddressInfo).port }) + '\n');
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
