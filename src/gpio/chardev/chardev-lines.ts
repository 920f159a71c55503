import { edgeWanted } from '../line-registry.js';
import { releasedError } from '../os-errors.js';
import type { Bit, Edge, EdgeEvent, EdgeListener, GpioLogger, InputLine, OutputLine } from '../types.js';
import type { ChardevAddon } from './addon.js';
import { LineEventReader, type ReadFn } from './event-reader.js';
import { EVENT_RISING_EDGE, droppedBefore, type RawLineEvent } from './line-events.js';

/**
 * The InputLine / OutputLine objects of the chardev backend, each owning one line request fd.
 * Values are logical: the kernel applies active-low to values, edges and event ids alike.
 */

export interface LineHandle {
  bcm: number;
  fd: number;
  addon: Pick<ChardevAddon, 'getValues' | 'setValues' | 'watch' | 'constants'>;
  /** Maps an addon error to a catalog error for this line. */
  mapError(err: unknown, action: string): Error;
  /** Closes the fd and frees the pin in the backend's registry. */
  dispose(): void;
  logger: GpioLogger | undefined;
}

function readBit(h: LineHandle): Bit {
  try {
    return (h.addon.getValues(h.fd, 1n) & 1n) === 1n ? 1 : 0;
  } catch (err) {
    throw h.mapError(err, 'reading the value');
  }
}

export function makeInputLine(h: LineHandle, edge: Edge, read?: ReadFn): InputLine {
  const listeners = new Set<EdgeListener>();
  let released = false;
  let lastLineSeqno: number | undefined;

  const deliver = (raw: RawLineEvent): void => {
    const dropped = droppedBefore(lastLineSeqno, raw);
    lastLineSeqno = raw.lineSeqno;
    if (dropped > 0) {
      h.logger?.warn({ bcm: h.bcm, dropped }, 'the kernel dropped GPIO edge events (its buffer overflowed); the input may be floating');
    }
    const event: EdgeEvent = { value: raw.id === EVENT_RISING_EDGE ? 1 : 0, timestampNs: raw.timestampNs };
    // The kernel already filters by the requested edges; this keeps the contract if it did not.
    if (!edgeWanted(edge, event.value)) return;
    for (const listener of [...listeners]) {
      if (released) return;
      listener(event);
    }
  };

  // Read from the start, with or without listeners, so the kernel's buffer never fills with
  // stale edges that a late subscriber would then receive.
  const reader = new LineEventReader(
    h.fd,
    h.addon,
    {
      onEvents: (events) => {
        for (const raw of events) deliver(raw);
      },
      onError: (err) => h.logger?.warn({ bcm: h.bcm, err: h.mapError(err, 'reading edge events') }, 'GPIO edge events stopped'),
    },
    read,
    h.addon.constants.EVENT_SIZE,
  );

  const release = (): void => {
    if (released) return;
    released = true;
    listeners.clear();
    reader.close();
    h.dispose();
  };

  return {
    bcm: h.bcm,
    read: () => {
      if (released) throw releasedError(h.bcm);
      return readBit(h);
    },
    onEdge: (listener) => {
      if (released) throw releasedError(h.bcm);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    release,
  };
}

export function makeOutputLine(h: LineHandle, initial: Bit): OutputLine & { driveInactive(): void } {
  let value: Bit = initial;
  let released = false;

  const set = (next: Bit): void => {
    try {
      h.addon.setValues(h.fd, 1n, next === 1 ? 1n : 0n);
    } catch (err) {
      throw h.mapError(err, 'writing the value');
    }
    value = next;
  };

  return {
    bcm: h.bcm,
    write: (next) => {
      if (released) throw releasedError(h.bcm);
      set(next);
    },
    read: () => {
      if (released) throw releasedError(h.bcm);
      return value;
    },
    release: () => {
      if (released) return;
      released = true;
      try {
        set(0);
      } finally {
        h.dispose();
      }
    },
    /** For the exit hook: LED off without releasing (the process is ending anyway). */
    driveInactive: () => {
      if (!released) set(0);
    },
  };
}
