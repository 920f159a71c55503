import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { PivoteError } from '../protocol/errors.js';

/**
 * TLS for kiosk connections. The same newline-delimited JSON framing runs inside the TLS stream;
 * the session core never knows the difference.
 *
 * Each accepted TCP socket is wrapped in a server-side TLSSocket and handed to the core at once,
 * before the TLS handshake, rather than using tls.createServer (which hands over a socket only
 * once its handshake is done). So a client that opens a connection and never finishes its
 * handshake counts against the connection limit and is closed by the same absolute
 * authentication deadline as any other unauthenticated connection. tls.Server's own
 * `handshakeTimeout` is an idle timeout, which a client trickling one handshake byte at a time
 * would never trip.
 */

export interface ServerTlsFiles {
  /** PEM certificate (chain) the server presents. */
  certPath: string;
  /** PEM private key of that certificate. */
  keyPath: string;
}

export interface ServerTls {
  readonly secureContext: SecureContext;
  /** The PEM files as read, for the HTTPS side, which serves the same certificate. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

export type ReadFile = (path: string) => Buffer;

/** Reads and checks the certificate and key; throws PV_TLS_CONFIG naming the file and the reason. */
export function loadServerTls(files: ServerTlsFiles, readFile: ReadFile = (p) => readFileSync(p)): ServerTls {
  const cert = readPem(files.certPath, '--tls-cert', readFile);
  const key = readPem(files.keyPath, '--tls-key', readFile);
  try {
    // Parses both and checks that the key belongs to the certificate.
    return { secureContext: createSecureContext({ cert, key }), cert, key };
  } catch (err) {
    throw new PivoteError(
      'PV_TLS_CONFIG',
      `cannot use ${files.certPath} with ${files.keyPath}: ${(err as Error).message}`,
      { certPath: files.certPath, keyPath: files.keyPath },
      { cause: err },
    );
  }
}

function readPem(path: string, option: string, readFile: ReadFile): Buffer {
  let pem: Buffer;
  try {
    pem = readFile(path);
  } catch (err) {
    throw new PivoteError('PV_TLS_CONFIG', `cannot read ${option} ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  if (!pem.includes('-----BEGIN ')) throw new PivoteError('PV_TLS_CONFIG', `${option} ${path} is not a PEM file`, { path });
  return pem;
}

/**
 * The server side of TLS on an accepted socket. The handshake starts when the client's first
 * bytes arrive; a handshake failure (a plaintext client, a client that rejects our certificate)
 * is an 'error' then 'close' on the returned stream, which ends that session like a reset.
 */
export function wrapServerSocket(socket: Socket, tls: ServerTls): TLSSocket {
  return new TLSSocket(socket, { isServer: true, secureContext: tls.secureContext, requestCert: false });
}
