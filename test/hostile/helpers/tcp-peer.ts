import net from 'node:net';
import tls from 'node:tls';
import { WirePeer } from './wire-peer.js';

/** A WirePeer over a real TCP connection to 127.0.0.1, or over TLS with the given options. */
export function connectPeer(port: number, tlsOptions?: tls.ConnectionOptions): Promise<WirePeer> {
  return new Promise((resolve, reject) => {
    const socket = tlsOptions
      ? tls.connect({ host: '127.0.0.1', port, ...tlsOptions })
      : net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      socket.off('error', reject);
      resolve(new WirePeer(socket));
    });
  });
}
