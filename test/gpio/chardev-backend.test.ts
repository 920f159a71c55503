import { afterEach, describe, expect, it } from 'vitest';
import { chardevAddonProblem, loadChardevAddon } from '../../src/gpio/chardev/addon.js';
import { consumerName, openChardevBackend, type ChardevBackend } from '../../src/gpio/chardev/chardev-backend.js';
import { LineEventReader } from '../../src/gpio/chardev/event-reader.js';
import { encodeLineEvent } from '../../src/gpio/chardev/line-events.js';
import { isPivoteError, type PivoteError } from '../../src/protocol/errors.js';
import { fakePi4, UAPI, type FakeChardevKernel } from './chardev-fake-addon.js';

async function caught(fn: () => unknown): Promise<PivoteError> {
  try {
    await fn();
  } catch (err) {
    if (isPivoteError(err)) return err;
    throw err;
  }
  throw new Error('expected a PivoteError');
}

describe('chardev backend (in-memory kernel)', () => {
  let current: { kernel: FakeChardevKernel; header: string } | undefined;
  /** The simulated Pi 4 of this test, created on first use. */
  const world = (): { kernel: FakeChardevKernel; header: string } => (current ??= fakePi4());
  const open: ChardevBackend[] = [];
  const backend = async (extra: Parameters<typeof openChardevBackend>[0] = {}): Promise<ChardevBackend> => {
    const { kernel } = world();
    const b = await openChardevBackend({
      devDir: kernel.devDir, loadAddon: () => kernel.addon, readFd: kernel.read, closeFd: kernel.close, ...extra,
    });
    open.push(b);
    return b;
  };
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
    current?.kernel.cleanup();
    current = undefined;
  });
  const lastRequest = (): { path: string; config: { flags: number; consumer?: string; debouncePeriodUs?: number; outputValues?: bigint } } =>
    world().kernel.requestLog.at(-1) as never;

  it('finds the header chip by label even when it is not gpiochip0', async () => {
    const gpio = await backend();
    expect(gpio.chip).toMatchObject({ path: world().header, label: 'pinctrl-bcm2711', foundBy: 'label' });
  });

  it('maps input options to uAPI flags; no pull option leaves the bias as configured (config.txt)', async () => {
    const gpio = await backend();
    gpio.requestInput(17).release();
    expect(lastRequest().config.flags).toBe(UAPI.FLAG_INPUT | UAPI.FLAG_EDGE_RISING | UAPI.FLAG_EDGE_FALLING);
    gpio.requestInput(17, { pull: 'up', activeLow: true, edge: 'rising', debounceUs: 5000 }).release();
    expect(lastRequest().config).toMatchObject({
      flags: UAPI.FLAG_INPUT | UAPI.FLAG_ACTIVE_LOW | UAPI.FLAG_EDGE_RISING | UAPI.FLAG_BIAS_PULL_UP,
      debouncePeriodUs: 5000,
    });
    gpio.requestInput(17, { pull: 'down', edge: 'falling' }).release();
    expect(lastRequest().config.flags).toBe(UAPI.FLAG_INPUT | UAPI.FLAG_EDGE_FALLING | UAPI.FLAG_BIAS_PULL_DOWN);
    gpio.requestInput(17, { pull: 'none' }).release();
    expect(lastRequest().config.flags & UAPI.FLAG_BIAS_DISABLED).toBe(UAPI.FLAG_BIAS_DISABLED);
  });

  it('requests outputs with their initial level and active-low, and names the consumer', async () => {
    const gpio = await backend({ consumer: 'kiosk-7' });
    gpio.requestOutput(27, { initial: 1, activeLow: true });
    expect(lastRequest().config).toMatchObject({ flags: UAPI.FLAG_OUTPUT | UAPI.FLAG_ACTIVE_LOW, outputValues: 1n, consumer: 'kiosk-7' });
    expect(world().kernel.level(world().header, 27)).toBe(0);
    gpio.requestOutput(22, { label: 'LED for option 2' });
    expect(lastRequest().config.consumer).toBe('LED for option 2');
  });

  it('fits the consumer into the kernel field (31 bytes) without splitting a character', () => {
    expect(consumerName(undefined, 'pivote')).toBe('pivote');
    expect(consumerName('x'.repeat(40), 'pivote')).toHaveLength(31);
    const cut = consumerName(`${'a'.repeat(30)}é`, 'pivote');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(31);
    expect(cut).toBe('a'.repeat(30));
  });

  it('names the other holder of a busy line, and frees the pin for a later claim', async () => {
    const gpio = await backend();
    const fd = world().kernel.addon.requestLines(world().header, { offsets: [17], consumer: 'gpiomon', flags: UAPI.FLAG_INPUT });
    const err = await caught(() => gpio.requestInput(17));
    expect(err.code).toBe('PV_GPIO_BUSY');
    expect(err.message).toContain('gpiomon');
    world().kernel.close(fd);
    expect(gpio.requestInput(17).read()).toBe(0);
  });

  it('says PV_GPIO_PERMISSION with the fix when the chip refuses line requests', async () => {
    (world().kernel.chips.get(world().header) as { denied: string }).denied = 'request';
    const gpio = await backend();
    const err = await caught(() => gpio.requestOutput(27));
    expect(err.code).toBe('PV_GPIO_PERMISSION');
    expect(err.message).toContain('GPIO27');
    expect(err.message).toContain('gpio group');
  });

  it('reports a missing addon as PV_GPIO_UNAVAILABLE with the reason', async () => {
    const err = await caught(() => openChardevBackend({ loadAddon: () => loadChardevAddon(['/nonexistent/gpio-chardev.js']) }));
    expect(err.code).toBe('PV_GPIO_UNAVAILABLE');
    expect(err.message).toContain('@pivote/gpio-chardev');
    expect(err.details).toMatchObject({ tried: [expect.stringContaining('/nonexistent/gpio-chardev.js')] });
  });

  it('tells --gpio auto whether the addon can load, and why not', () => {
    expect(chardevAddonProblem(() => world().kernel.addon)).toBeUndefined();
    expect(chardevAddonProblem(() => loadChardevAddon(['/nonexistent/x.js']))).toContain('not loadable');
  });

  it('drives outputs inactive when the process exits, and unhooks on close', async () => {
    const before = process.listeners('exit');
    const gpio = await backend({ outputsOffOnExit: true });
    gpio.requestOutput(27, { initial: 1 });
    gpio.requestOutput(22, { initial: 1 });
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as () => void)();
    expect(world().kernel.level(world().header, 27)).toBe(0);
    expect(world().kernel.level(world().header, 22)).toBe(0);
    await gpio.close();
    expect(process.listeners('exit').filter((l) => !before.includes(l))).toHaveLength(0);
  });
});

describe('LineEventReader', () => {
  const setup = (reads: (Buffer | string)[]): { errors: unknown[]; got: number[]; closed: () => boolean; fire: (code: string | null) => void; reader: LineEventReader } => {
    let callback: ((code: string | null) => void) | undefined;
    let closed = false;
    const errors: unknown[] = [];
    const got: number[] = [];
    const reader = new LineEventReader(
      3,
      { watch: (_fd, cb) => ((callback = cb), { close: () => void (closed = true) }) },
      { onEvents: (events) => got.push(...events.map((e) => e.seqno)), onError: (err) => errors.push(err) },
      (_fd, buf) => {
        const next = reads.shift();
        if (next === undefined || typeof next === 'string') throw Object.assign(new Error(next ?? 'EAGAIN'), { code: next ?? 'EAGAIN' });
        next.copy(buf);
        return next.length;
      },
    );
    return { errors, got, closed: () => closed, fire: (code) => callback?.(code), reader };
  };
  const events = (...seqnos: number[]): Buffer =>
    Buffer.concat(seqnos.map((seqno) => encodeLineEvent({ timestampNs: BigInt(seqno), id: 1, offset: 1, seqno, lineSeqno: seqno })));

  it('drains every read until EAGAIN, whole buffers first', () => {
    const full = events(...Array.from({ length: 16 }, (_, i) => i + 1));
    const r = setup([full, events(17, 18), 'EAGAIN']);
    r.fire(null);
    expect(r.got).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(r.errors).toEqual([]);
  });

  it('stops and reports a read error other than EAGAIN, or a poll error', () => {
    const r = setup(['ENODEV']);
    r.fire(null);
    expect(r.errors).toMatchObject([{ code: 'ENODEV' }]);
    expect(r.closed()).toBe(true);
    const p = setup([]);
    p.fire('EBADF');
    expect(p.errors).toMatchObject([{ code: 'EBADF' }]);
    expect(p.closed()).toBe(true);
  });

  it('ignores readiness after close', () => {
    const r = setup([events(1)]);
    r.reader.close();
    r.reader.close();
    r.fire(null);
    expect(r.got).toEqual([]);
  });
});
