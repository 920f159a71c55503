import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChardevAddon, ChardevConstants, ChipInfo, LineInfo, LineRequestConfig, Watcher } from '../../src/gpio/chardev/addon.js';
import { encodeLineEvent } from '../../src/gpio/chardev/line-events.js';
import type { Bit } from '../../src/gpio/index.js';

/**
 * An in-memory stand-in for the native addon and the kernel behind it, so the chardev backend's
 * TypeScript (flags, events, errors, release order) is tested on any machine. The real thing is
 * tested in the VM (npm run test:kernel). Semantics follow gpiolib-cdev: values, edges and event
 * ids are logical (active-low applied), reads are non-blocking, and readiness is signalled
 * asynchronously like epoll.
 */

/** The values of linux/gpio.h (uAPI v2). */
export const UAPI: ChardevConstants = {
  FLAG_USED: 1, FLAG_ACTIVE_LOW: 2, FLAG_INPUT: 4, FLAG_OUTPUT: 8, FLAG_EDGE_RISING: 16, FLAG_EDGE_FALLING: 32,
  FLAG_OPEN_DRAIN: 64, FLAG_OPEN_SOURCE: 128, FLAG_BIAS_PULL_UP: 256, FLAG_BIAS_PULL_DOWN: 512, FLAG_BIAS_DISABLED: 1024,
  EVENT_RISING_EDGE: 1, EVENT_FALLING_EDGE: 2, EVENT_SIZE: 48, LINES_MAX: 64, MAX_NAME_SIZE: 32,
};

function errnoError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: ${syscall}`), { code, syscall });
}

interface FakeChip extends ChipInfo {
  names: string[];
  consumers: string[];
  /** Electrical levels. */
  levels: Bit[];
  denied: 'none' | 'all' | 'request';
}

interface FakeRequest {
  fd: number;
  chip: FakeChip;
  offset: number;
  config: LineRequestConfig;
  queue: Buffer[];
  watcher: ((code: string | null) => void) | undefined;
  seqno: number;
}

export class FakeChardevKernel {
  readonly chips = new Map<string, FakeChip>();
  readonly requests = new Map<number, FakeRequest>();
  /** Every request made, for assertions on flags. */
  readonly requestLog: { path: string; config: LineRequestConfig }[] = [];
  /** fds closed while still being polled: libuv forbids it. */
  readonly closedWhilePolled: number[] = [];
  private nextFd = 100;
  private nowNs = 1_000_000n;
  /** A temporary dev dir holding an empty file per chip, for the backend's directory scan. */
  readonly devDir = mkdtempSync(join(tmpdir(), 'pivote-chardev-'));

  /** Adds /<devDir>/<name>; returns its path. */
  addChip(name: string, chip: { label: string; lines: number; names?: string[]; denied?: FakeChip['denied'] }): string {
    const path = join(this.devDir, name);
    writeFileSync(path, '');
    this.chips.set(path, {
      name, label: chip.label, lines: chip.lines,
      names: chip.names ?? Array.from({ length: chip.lines }, () => ''),
      consumers: Array.from({ length: chip.lines }, () => ''),
      levels: Array.from({ length: chip.lines }, (): Bit => 0),
      denied: chip.denied ?? 'none',
    });
    return path;
  }

  cleanup(): void {
    rmSync(this.devDir, { recursive: true, force: true });
  }

  chip(path: string): FakeChip {
    const chip = this.chips.get(path);
    if (chip === undefined) throw errnoError('ENOENT', `open ${path}`);
    return chip;
  }

  /** Drives a line electrically from outside; queues an edge event when a request watches that edge. */
  drive(path: string, offset: number, level: Bit): void {
    const chip = this.chip(path);
    if (chip.levels[offset] === level) return;
    chip.levels[offset] = level;
    this.nowNs += 1_000_000n;
    for (const req of this.requests.values()) {
      if (req.chip !== chip || req.offset !== offset || (req.config.flags & UAPI.FLAG_INPUT) === 0) continue;
      const logical = this.logical(req, level);
      const wanted = logical === 1 ? UAPI.FLAG_EDGE_RISING : UAPI.FLAG_EDGE_FALLING;
      if ((req.config.flags & wanted) === 0) continue;
      req.seqno++;
      req.queue.push(encodeLineEvent({
        timestampNs: this.nowNs, id: logical === 1 ? UAPI.EVENT_RISING_EDGE : UAPI.EVENT_FALLING_EDGE,
        offset, seqno: req.seqno, lineSeqno: req.seqno,
      }));
      setImmediate(() => req.watcher?.(null));
    }
  }

  level(path: string, offset: number): Bit {
    return this.chip(path).levels[offset] ?? 0;
  }

  /** The fs.readSync stand-in: whole events, EAGAIN when empty. */
  readonly read = (fd: number, buf: Buffer): number => {
    const req = this.requests.get(fd);
    if (req === undefined) throw errnoError('EBADF', 'read');
    if (req.queue.length === 0) throw errnoError('EAGAIN', 'read');
    let n = 0;
    while (req.queue.length > 0 && n + UAPI.EVENT_SIZE <= buf.length) {
      (req.queue.shift() as Buffer).copy(buf, n);
      n += UAPI.EVENT_SIZE;
    }
    return n;
  };

  /** The fs.closeSync stand-in: releases the line like closing the request fd does. */
  readonly close = (fd: number): void => {
    const req = this.requests.get(fd);
    if (req === undefined) throw errnoError('EBADF', 'close');
    if (req.watcher !== undefined) this.closedWhilePolled.push(fd);
    req.chip.consumers[req.offset] = '';
    this.requests.delete(fd);
  };

  private logical(req: FakeRequest, level: Bit): Bit {
    return (req.config.flags & UAPI.FLAG_ACTIVE_LOW) !== 0 ? (level === 1 ? 0 : 1) : level;
  }

  readonly addon: ChardevAddon = {
    constants: UAPI,
    chipInfo: (path) => {
      const chip = this.chip(path);
      if (chip.denied === 'all') throw errnoError('EACCES', `open ${path}`);
      return { name: chip.name, label: chip.label, lines: chip.lines };
    },
    lineInfo: (path): LineInfo[] => {
      const chip = this.chip(path);
      if (chip.denied === 'all') throw errnoError('EACCES', `open ${path}`);
      return chip.names.map((name, offset) => ({
        offset, name, consumer: chip.consumers[offset] ?? '', flags: chip.consumers[offset] ? UAPI.FLAG_USED : 0, debouncePeriodUs: 0,
      }));
    },
    requestLines: (path, config) => {
      const chip = this.chip(path);
      if (chip.denied !== 'none') throw errnoError('EACCES', `open ${path}`);
      const offset = config.offsets[0] as number;
      if (offset >= chip.lines) throw errnoError('EINVAL', 'ioctl GPIO_V2_GET_LINE_IOCTL');
      if (chip.consumers[offset] !== '') throw errnoError('EBUSY', 'ioctl GPIO_V2_GET_LINE_IOCTL');
      this.requestLog.push({ path, config });
      chip.consumers[offset] = config.consumer ?? '?';
      const req: FakeRequest = { fd: this.nextFd++, chip, offset, config, queue: [], watcher: undefined, seqno: 0 };
      if ((config.flags & UAPI.FLAG_OUTPUT) !== 0) {
        chip.levels[offset] = this.logical(req, (config.outputValues ?? 0n) === 1n ? 1 : 0);
      }
      this.requests.set(req.fd, req);
      return req.fd;
    },
    getValues: (fd) => {
      const req = this.requests.get(fd);
      if (req === undefined) throw errnoError('EBADF', 'ioctl GPIO_V2_LINE_GET_VALUES_IOCTL');
      return BigInt(this.logical(req, req.chip.levels[req.offset] ?? 0));
    },
    setValues: (fd, _mask, bits) => {
      const req = this.requests.get(fd);
      if (req === undefined) throw errnoError('EBADF', 'ioctl GPIO_V2_LINE_SET_VALUES_IOCTL');
      if ((req.config.flags & UAPI.FLAG_OUTPUT) === 0) throw errnoError('EPERM', 'ioctl GPIO_V2_LINE_SET_VALUES_IOCTL');
      req.chip.levels[req.offset] = this.logical(req, (bits & 1n) === 1n ? 1 : 0);
    },
    watch: (fd, onReadable): Watcher => {
      const req = this.requests.get(fd);
      if (req === undefined) throw errnoError('EBADF', 'uv_poll_init');
      req.watcher = onReadable;
      return {
        close: () => {
          req.watcher = undefined;
        },
      };
    },
  };
}

export const gpioLineNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `GPIO${i}`);

/** A Pi 4: the header chip after an unrelated one, so its number is not 0. Returns the header chip's path. */
export function fakePi4(): { kernel: FakeChardevKernel; header: string } {
  const kernel = new FakeChardevKernel();
  kernel.addChip('gpiochip0', { label: 'raspberrypi-exp-gpio', lines: 8 });
  const header = kernel.addChip('gpiochip1', { label: 'pinctrl-bcm2711', lines: 58, names: gpioLineNames(58) });
  return { kernel, header };
}
