import { computeAuthMac } from '../../protocol/auth.js';
import type { ErrorCode } from '../../protocol/errors.js';
import {
  PROTOCOL_VERSION,
  type AuthMessage,
  type HelloMessage,
  type ServerMessage,
  type WelcomeMessage,
} from '../../protocol/messages.js';

/**
 * The kiosk side of hello -> challenge -> auth -> welcome, as a pure step function: it is fed
 * each server message and says what to send or how the handshake ended. No I/O, no timers.
 */

export interface KioskIdentity {
  kioskId: string;
  secret: string;
  /** Reported in hello, e.g. "pivote/0.1.0". */
  software: string;
  /** Reported in hello so the server can warn about polls with more options than buttons. */
  buttons?: number;
}

export type HandshakeStep =
  | { kind: 'send'; message: AuthMessage }
  | { kind: 'welcome'; welcome: WelcomeMessage }
  /** `fromServer`: the server sent an `error` frame with this code (it closes the connection). */
  | { kind: 'fail'; code: ErrorCode; message: string; fromServer: boolean };

type Phase = 'challenge' | 'welcome' | 'done';

export class Handshake {
  private readonly identity: KioskIdentity;
  private phase: Phase = 'challenge';

  constructor(identity: KioskIdentity) {
    this.identity = identity;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  hello(): HelloMessage {
    const { kioskId, software, buttons } = this.identity;
    return { type: 'hello', v: PROTOCOL_VERSION, kioskId, software, ...(buttons !== undefined && { buttons }) };
  }

  receive(message: ServerMessage): HandshakeStep {
    if (message.type === 'error') {
      this.phase = 'done';
      return { kind: 'fail', code: message.code, message: message.message, fromServer: true };
    }
    if (this.phase === 'challenge' && message.type === 'challenge') {
      if (message.v !== PROTOCOL_VERSION) {
        return this.fail('PV_UNSUPPORTED_VERSION', `server speaks protocol ${message.v}, this kiosk ${PROTOCOL_VERSION}`);
      }
      this.phase = 'welcome';
      const mac = computeAuthMac(this.identity.secret, this.identity.kioskId, message.nonce);
      return { kind: 'send', message: { type: 'auth', mac } };
    }
    if (this.phase === 'welcome' && message.type === 'welcome') {
      if (message.kioskId !== this.identity.kioskId) {
        return this.fail('PV_BAD_MESSAGE', `welcome names kiosk ${JSON.stringify(message.kioskId)}, not ours`);
      }
      this.phase = 'done';
      return { kind: 'welcome', welcome: message };
    }
    return this.fail('PV_UNEXPECTED_MESSAGE', `unexpected ${message.type} while waiting for ${this.phase}`);
  }

  private fail(code: ErrorCode, message: string): HandshakeStep {
    this.phase = 'done';
    return { kind: 'fail', code, message, fromServer: false };
  }
}
