import { describe, expect, it } from 'vitest';
import { connectPacket, publishPacket } from '../../bench/load/lean-mqtt-client.js';

describe('lean MQTT client packets (MQTT 3.1.1)', () => {
  it('encodes CONNECT with clean session, keep-alive and the client id', () => {
    const p = connectPacket('k1', 5);
    expect([...p]).toEqual([0x10, 14, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 5, 0, 2, 0x6b, 0x31]);
  });

  it('encodes PUBLISH QoS 1 with topic, packet id and payload, and a multi-byte remaining length', () => {
    const topic = Buffer.from([0, 1, 0x74]); // "t"
    const small = publishPacket(topic, 0x0102, 'ab');
    expect([...small]).toEqual([0x32, 7, 0, 1, 0x74, 1, 2, 0x61, 0x62]);
    const big = publishPacket(topic, 1, 'x'.repeat(200)); // remaining length 205 = 0xCD 0x01
    expect([...big.subarray(0, 3)]).toEqual([0x32, 0xcd, 0x01]);
    expect(big.length).toBe(3 + 205);
  });
});
