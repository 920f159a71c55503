import { readFileSync, type PathLike } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { PivoteError } from '../../protocol/errors.js';
import type { Connector } from '../connection/client.js';
import type { KioskTlsConfig } from '../config/config.js';
import { GatedStream } from './gated-stream.js';
import { formatServerAddress } from './server-address.js';

/**
 * TLS to the server. The kiosk trusts either a CA (the server's certificate must chain to it and
 * name the address the kiosk dials) or one pinned certificate (its SHA-256 fingerprint), and
 * refuses anything else with PV_TLS_UNTRUSTED.
 *
 * Node is told not to reject (rejectUnauthorized: false) so that the check is ours, runs on
 * 'secureConnect' and ends in our error code; the stream handed to the client is gated and
 * passes no byte either way until the check passed. TLS itself still proves that the server
 * holds the private key of the certificate it presented, so pinning that certificate is sound.
 */

export interface TlsTrust {
  /** PEM text of the CA certificate(s) to trust instead of the system store. */
  ca?: string | Buffer;
  /** SHA-256 of the server certificate (DER): 64 hex digits, any case, colons allowed. */
  fingerprint?: string;
}

export interface TlsConnectorOptions extends TlsTrust {
  /** OS keep-alive probes after this idle time; heartbeats detect a dead peer sooner. */
  keepAliveMs?: number;
  /** Injectable for tests. */
  connect?: (options: ConnectionOptions) => TLSSocket;
}

/** What the TLS handshake told us about the server. */
export interface PeerFacts {
  /** The chain verified against the trusted CAs and the certificate names the dialled host. */
  authorized: boolean;
  /** Node's reason when not authorized, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  authorizationError: string | undefined;
  /** "AB:CD:..." as Node reports it. */
  fingerprint256: string | undefined;
}

export function normalizeFingerprint(fp: string): string {
  return fp.replaceAll(':', '').toLowerCase();
}

const REASONS: Readonly<Record<string, string>> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name the address the kiosk connects to',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not the configured CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chains to a CA other than the configured one',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by the configured CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by the configured CA',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: "its certificate is not valid yet (is the kiosk's clock right?)",
};

/** Pure: the reason to refuse this server, or null to trust it. */
export function checkServerCertificate(peer: PeerFacts, trust: TlsTrust, server: string): PivoteError | null {
  if (trust.fingerprint !== undefined) {
    const pinned = normalizeFingerprint(trust.fingerprint);
    const got = peer.fingerprint256 === undefined ? '' : normalizeFingerprint(peer.fingerprint256);
    if (got !== pinned) {
      return new PivoteError('PV_TLS_UNTRUSTED', `server ${server} presented certificate ${got || '(none)'}, not the pinned ${pinned}`, {
        server,
        fingerprint: got,
        pinned,
      });
    }
  }
  // A pin alone names exactly the certificate to accept; chain and name matter when trusting a CA.
  const verifyChain = trust.ca !== undefined || trust.fingerprint === undefined;
  if (verifyChain && !peer.authorized) {
    const code = peer.authorizationError ?? 'unknown';
    return new PivoteError('PV_TLS_UNTRUSTED', `server ${server} is not trusted: ${REASONS[code] ?? 'its certificate failed verification'} (${code})`, {
      server,
      reason: code,
    });
  }
  return null;
}

/** A handshake that failed at the TLS layer (a plaintext server, a protocol alert) is a trust problem, not a network blip. */
function handshakeError(err: Error, server: string): Error {
  const code = (err as { code?: unknown }).code;
  const tlsLayer = (typeof code === 'string' && (code === 'EPROTO' || code.startsWith('ERR_SSL_'))) || /SSL routines/.test(err.message);
  if (!tlsLayer) return err;
  return new PivoteError('PV_TLS_UNTRUSTED', `TLS handshake with ${server} failed (does it run with --tls-cert?): ${err.message.trim()}`, { server }, { cause: err });
}

export function tlsConnector(options: TlsConnectorOptions = {}): Connector {
  const open = options.connect ?? tlsConnect;
  return (address) => {
    const server = formatServerAddress(address);
    const socket = open({
      host: address.host,
      port: address.port,
      // SNI takes names only; the certificate check uses the host either way.
      ...(isIP(address.host) === 0 && { servername: address.host }),
      ...(options.ca !== undefined && { ca: options.ca }),
      rejectUnauthorized: false,
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, options.keepAliveMs ?? 30_000);
    let verified = false;
    const gate = new GatedStream(socket, (err) => (verified ? err : handshakeError(err, server)));
    socket.once('secureConnect', () => {
      const refusal = checkServerCertificate(
        {
          authorized: socket.authorized,
          // Node sets a string code here at runtime, whatever its typings say.
          authorizationError: socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError),
          fingerprint256: socket.getPeerCertificate().fingerprint256,
        },
        options,
        server,
      );
      if (refusal) {
        gate.destroy(refusal);
        return;
      }
      verified = true;
      gate.open();
    });
    return gate;
  };
}

/**
 * The connector for a kiosk config's `tls` section; reads the CA file now, so a missing or
 * broken file is PV_TLS_CONFIG at startup rather than a refusal on every connection.
 */
export function loadTlsConnector(
  config: KioskTlsConfig,
  options: { keepAliveMs?: number; readFile?: (path: PathLike) => Buffer } = {},
): Connector {
  const readFile = options.readFile ?? ((p: PathLike) => readFileSync(p));
  let ca: Buffer | undefined;
  if (config.ca !== undefined) {
    try {
      ca = readFile(config.ca);
    } catch (err) {
      throw new PivoteError('PV_TLS_CONFIG', `cannot read tls.ca ${config.ca}: ${(err as Error).message}`, { key: 'tls.ca', path: config.ca }, { cause: err });
    }
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw new PivoteError('PV_TLS_CONFIG', `tls.ca ${config.ca} is not a PEM certificate`, { key: 'tls.ca', path: config.ca }, { cause: err });
    }
  }
  return tlsConnector({
    ...(ca !== undefined && { ca }),
    ...(config.fingerprint !== undefined && { fingerprint: config.fingerprint }),
    ...(options.keepAliveMs !== undefined && { keepAliveMs: options.keepAliveMs }),
  });
}
