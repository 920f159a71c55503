import { claimedTwiceError, releasedError } from './os-errors.js';
import { assertUsableBcm } from './pin-names.js';
import type { Bit, Edge } from './types.js';

/**
 * Bookkeeping every backend shares: which pins this process holds, so a second claim fails with
 * PV_GPIO_BUSY the same way everywhere (sysfs would silently hand out the same pin twice), and
 * so `close()` can release them all.
 */
export class LineRegistry {
  private readonly held = new Map<number, { label: string | undefined; release: () => void }>();
  private closed = false;

  constructor(private readonly backendName: string) {}

  /** Validates the pin and reserves it; call `free` (from the line's release) to give it back. */
  claim(bcm: number, label: string | undefined): void {
    if (this.closed) throw releasedError(bcm, `the ${this.backendName} GPIO backend is closed`);
    assertUsableBcm(bcm);
    const holder = this.held.get(bcm);
    if (holder !== undefined) throw claimedTwiceError(bcm, holder.label);
    this.held.set(bcm, { label, release: () => this.held.delete(bcm) });
  }

  /** Records how to release the line once it is fully set up. */
  attach(bcm: number, release: () => void): void {
    const holder = this.held.get(bcm);
    if (holder !== undefined) holder.release = release;
  }

  free(bcm: number): void {
    this.held.delete(bcm);
  }

  get claimedPins(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Marks the backend closed and releases every line; errors from one line do not stop the rest. */
  closeAll(): unknown[] {
    this.closed = true;
    const errors: unknown[] = [];
    for (const [bcm, holder] of [...this.held]) {
      try {
        holder.release();
      } catch (err) {
        errors.push(err);
      }
      this.held.delete(bcm);
    }
    return errors;
  }
}

/** Physical level ↔ logical value. */
export function applyActiveLow(value: Bit, activeLow: boolean): Bit {
  return activeLow ? (value === 1 ? 0 : 1) : value;
}

/** Whether an edge that left the line at logical `value` is one the caller asked for. */
export function edgeWanted(edge: Edge, value: Bit): boolean {
  return edge === 'both' || (edge === 'rising' ? value === 1 : value === 0);
}

export function toBit(value: number): Bit {
  return value === 0 ? 0 : 1;
}
