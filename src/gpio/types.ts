/**
 * The one small line interface every GPIO backend implements (mock, onoff/sysfs, pigpio, later
 * chardev). Values are *logical*: active-low is applied by the backend, so `1` always means
 * "active" (button pressed, LED lit) whatever the wiring.
 */

export type Bit = 0 | 1;
export type Edge = 'rising' | 'falling' | 'both';
export type Pull = 'up' | 'down' | 'none';
export type BackendName = 'mock' | 'onoff' | 'pigpio' | 'chardev';
export type BackendKind = BackendName | 'auto';

export interface InputOptions {
  /** Bias resistor. Default 'none'. Backends that cannot set it (sysfs) warn instead. */
  pull?: Pull;
  /** Invert: a button wired to ground with a pull-up reads 1 when pressed. Default false. */
  activeLow?: boolean;
  /** Which logical edges `onEdge` delivers. Default 'both'. */
  edge?: Edge;
  /**
   * Driver-level glitch filter in microseconds: a level must be stable this long before it is
   * reported (pigpio glitchFilter, onoff debounceTimeout). It *delays* every edge, so Button does
   * not use it; it relies on its own first-edge debounce instead. Default 0 (off).
   */
  debounceUs?: number;
  /** Who holds the line, named in PV_GPIO_BUSY messages. */
  label?: string;
}

export interface OutputOptions {
  /** Invert: an LED wired from 3V3 to the pin lights when the pin is low. Default false. */
  activeLow?: boolean;
  /** Logical level driven from the moment the line is claimed. Default 0. */
  initial?: Bit;
  label?: string;
}

export interface EdgeEvent {
  /** Logical level after the edge. */
  value: Bit;
  /** When the edge happened, monotonic nanoseconds on the backend's clock (not delivery time). */
  timestampNs: bigint;
}

export type EdgeListener = (event: EdgeEvent) => void;

export interface InputLine {
  readonly bcm: number;
  read(): Bit;
  /** Edges arrive asynchronously, in order. Returns an unsubscribe function. */
  onEdge(listener: EdgeListener): () => void;
  /** Frees the line. Idempotent; any later read/onEdge throws PV_GPIO_RELEASED. */
  release(): void;
}

export interface OutputLine {
  readonly bcm: number;
  write(value: Bit): void;
  /** The logical level last driven. */
  read(): Bit;
  /** Drives the line inactive (LED off), then frees it. Idempotent. */
  release(): void;
}

export interface GpioBackend {
  readonly name: BackendName;
  /** Throws PivoteError: PV_GPIO_BUSY, PV_GPIO_NO_SUCH_PIN, PV_GPIO_RESERVED, PV_GPIO_PERMISSION. */
  requestInput(bcm: number, options?: InputOptions): InputLine;
  requestOutput(bcm: number, options?: OutputOptions): OutputLine;
  /** Releases every line still held (outputs driven inactive). Idempotent. */
  close(): Promise<void>;
}

/** Monotonic nanoseconds. */
export type Clock = () => bigint;

/** The subset of a pino logger the GPIO layer uses. */
export interface GpioLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info?(obj: Record<string, unknown>, msg: string): void;
}
