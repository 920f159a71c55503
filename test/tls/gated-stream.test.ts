import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatedStream } from '../../src/kiosk/transport/gated-stream.js';
import { duplexPair } from '../server/helpers/duplex-pair.js';

/** The gate in front of a TLS stream: nothing passes either way until it is opened. */

const turn = () => new Promise<void>((r) => setImmediate(r));
const streams: Duplex[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) s.destroy();
});

function setup(mapError?: (err: Error) => Error) {
  const [inner, peer] = duplexPair(1024);
  const gate = new GatedStream(inner, mapError);
  streams.push(gate, inner, peer);
  let atPeer = '';
  let peerEnded = false;
  peer.on('data', (d: Buffer) => (atPeer += d.toString()));
  peer.on('end', () => (peerEnded = true));
  peer.on('error', () => {});
  let atGate = '';
  gate.on('data', (d: Buffer) => (atGate += d.toString()));
  const errors: Error[] = [];
  gate.on('error', (e) => errors.push(e));
  return { inner, peer, gate, errors, atPeer: () => atPeer, atGate: () => atGate, peerEnded: () => peerEnded };
}

describe('GatedStream', () => {
  it('holds writes and incoming data until opened, then passes both in order', async () => {
    const t = setup();
    t.gate.write('hello\n');
    t.gate.write('more\n');
    t.peer.write('challenge\n');
    await turn();
    expect(t.atPeer()).toBe('');
    expect(t.atGate()).toBe('');
    t.gate.open();
    await turn();
    expect(t.atPeer()).toBe('hello\nmore\n');
    expect(t.atGate()).toBe('challenge\n');
    t.gate.write('after\n');
    await turn();
    expect(t.atPeer()).toBe('hello\nmore\nafter\n');
  });

  it('destroyed before opening: nothing written reaches the peer, and the error is the one given', async () => {
    const t = setup();
    t.gate.write('hello\n');
    t.gate.destroy(new Error('untrusted'));
    await turn();
    expect(t.atPeer()).toBe('');
    expect(t.errors.map((e) => e.message)).toEqual(['untrusted']);
    expect(t.inner.destroyed).toBe(true);
  });

  it('an end() before opening waits for the gate too, then ends the peer after the data', async () => {
    const t = setup();
    t.gate.end('bye\n');
    await turn();
    expect(t.atPeer()).toBe('');
    expect(t.peerEnded()).toBe(false);
    t.gate.open();
    await turn();
    expect(t.atPeer()).toBe('bye\n');
    expect(t.peerEnded()).toBe(true);
  });

  it('maps an error of the inner stream before it is opened, and closes with it', async () => {
    const t = setup((err) => new Error(`mapped: ${err.message}`));
    const closed = new Promise<void>((r) => t.gate.on('close', () => r()));
    t.inner.destroy(new Error('EPROTO'));
    await closed;
    expect(t.errors.map((e) => e.message)).toEqual(['mapped: EPROTO']);
  });

  it('closes when the inner stream closes, and ends when the peer ends', async () => {
    const t = setup();
    t.gate.open();
    const ended = new Promise<void>((r) => t.gate.on('end', () => r()));
    t.peer.end();
    await ended;

    const u = setup();
    u.gate.open();
    const closed = new Promise<void>((r) => u.gate.on('close', () => r()));
    u.inner.destroy();
    await closed;
    expect(u.gate.destroyed).toBe(true);
    expect(u.errors).toEqual([]);
  });

  it('carries backpressure: a peer that stops reading stops the writer, and no byte is lost', async () => {
    const t = setup();
    t.peer.pause();
    t.gate.open();
    let accepted = 0;
    while (t.gate.write('x'.repeat(100)) && accepted < 10_000) accepted++;
    expect(accepted).toBeLessThan(10_000);
    await turn();
    t.peer.resume();
    t.gate.end();
    await new Promise<void>((r) => t.peer.on('end', () => r()));
    expect(t.atPeer().length).toBe((accepted + 1) * 100);
  });
});
