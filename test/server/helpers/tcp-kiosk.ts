import net from 'node:net';
import { TestKiosk } from './test-kiosk.js';

/** A TestKiosk over a real TCP socket to 127.0.0.1. */
export function connectTcp(port: number): Promise<TestKiosk> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new TestKiosk(socket));
    });
  });
}
