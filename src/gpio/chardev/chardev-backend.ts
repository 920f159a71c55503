import { closeSync } from 'node:fs';
import { LineRegistry } from '../line-registry.js';
import type { GpioBackend, GpioLogger, InputLine, InputOptions, OutputLine, OutputOptions, Pull } from '../types.js';
import { loadChardevAddon, type ChardevAddon, type ChardevConstants } from './addon.js';
import { chardevLineError } from './chardev-errors.js';
import { makeInputLine, makeOutputLine, type LineHandle } from './chardev-lines.js';
import { DEFAULT_DEV_DIR, pickHeaderChip, requireOffset, scanChips, type HeaderChip } from './chip-discovery.js';
import type { ReadFn } from './event-reader.js';

/**
 * The GPIO character-device backend (uAPI v2): the supported path on current Raspberry Pi OS
 * (kernel 6.12), where /sys/class/gpio is gone or restricted, and the only one on a Pi 5 with
 * a current kernel. Bias, active-low, edge detection and debounce are done by the kernel;
 * edge timestamps are the kernel's (CLOCK_MONOTONIC, the clock of process.hrtime.bigint()).
 */

export interface ChardevBackendOptions {
  /** Where the gpiochip nodes are. Default /dev; tests point it elsewhere. */
  devDir?: string;
  /** Use this chip (path, name or label) instead of searching for the header chip. */
  chip?: string;
  /** Consumer name shown by gpioinfo for lines without their own label. Default "pivote". */
  consumer?: string;
  logger?: GpioLogger;
  /** Tests inject a fake addon here. */
  loadAddon?: () => ChardevAddon;
  /** Tests inject the fd read and close here. */
  readFd?: ReadFn;
  closeFd?: (fd: number) => void;
  /** Drive outputs inactive when the process exits (default true). */
  outputsOffOnExit?: boolean;
}

export async function openChardevBackend(options: ChardevBackendOptions = {}): Promise<ChardevBackend> {
  const addon = (options.loadAddon ?? loadChardevAddon)();
  const devDir = options.devDir ?? DEFAULT_DEV_DIR;
  const scan = scanChips(devDir, addon);
  const chip = pickHeaderChip(scan, (c) => addon.lineInfo(c.path).map((l) => l.name), devDir, options.chip);
  options.logger?.info?.(
    { chip: chip.path, label: chip.label, lines: chip.lines, foundBy: chip.foundBy },
    'GPIO character device chip resolved',
  );
  return new ChardevBackend(addon, chip, options);
}

/** uAPI flags for an input. `pull` undefined leaves the bias as configured (e.g. by config.txt). */
export function inputFlags(c: ChardevConstants, options: InputOptions): number {
  let flags = c.FLAG_INPUT;
  if (options.activeLow === true) flags |= c.FLAG_ACTIVE_LOW;
  const edge = options.edge ?? 'both';
  if (edge !== 'falling') flags |= c.FLAG_EDGE_RISING;
  if (edge !== 'rising') flags |= c.FLAG_EDGE_FALLING;
  flags |= biasFlag(c, options.pull);
  return flags;
}

function biasFlag(c: ChardevConstants, pull: Pull | undefined): number {
  switch (pull) {
    case 'up':
      return c.FLAG_BIAS_PULL_UP;
    case 'down':
      return c.FLAG_BIAS_PULL_DOWN;
    case 'none':
      return c.FLAG_BIAS_DISABLED;
    default:
      return 0;
  }
}

/** The kernel's consumer field holds 31 bytes plus NUL. */
export function consumerName(label: string | undefined, fallback: string, max = 31): string {
  const name = label ?? fallback;
  const buf = Buffer.from(name, 'utf8');
  if (buf.length <= max) return name;
  return buf.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
}

export class ChardevBackend implements GpioBackend {
  readonly name = 'chardev' as const;
  private readonly registry = new LineRegistry('chardev');
  private readonly outputs = new Set<{ driveInactive(): void }>();
  private readonly consumer: string;
  private readonly closeFd: (fd: number) => void;
  private readonly onExit = (): void => {
    for (const out of this.outputs) {
      try {
        out.driveInactive();
      } catch {
        // the process is exiting; nothing useful left to do
      }
    }
  };
  private exitHooked = false;

  constructor(
    private readonly addon: ChardevAddon,
    readonly chip: HeaderChip,
    private readonly options: ChardevBackendOptions = {},
  ) {
    this.consumer = options.consumer ?? 'pivote';
    this.closeFd = options.closeFd ?? closeSync;
  }

  requestInput(bcm: number, options: InputOptions = {}): InputLine {
    const h = this.request(bcm, options.label, (offset) => ({
      offsets: [offset],
      flags: inputFlags(this.addon.constants, options),
      ...(options.debounceUs !== undefined && options.debounceUs > 0 ? { debouncePeriodUs: Math.round(options.debounceUs) } : {}),
    }));
    let line: InputLine;
    try {
      line = makeInputLine(h, options.edge ?? 'both', this.options.readFd);
    } catch (err) {
      h.dispose();
      throw h.mapError(err, 'watching for edges');
    }
    // close() must stop polling before the fd closes, so the registry calls the line's release.
    this.registry.attach(bcm, line.release);
    return line;
  }

  requestOutput(bcm: number, options: OutputOptions = {}): OutputLine {
    const initial = options.initial ?? 0;
    const c = this.addon.constants;
    const h = this.request(bcm, options.label, (offset) => ({
      offsets: [offset],
      flags: c.FLAG_OUTPUT | (options.activeLow === true ? c.FLAG_ACTIVE_LOW : 0),
      outputValues: initial === 1 ? 1n : 0n,
    }));
    const line = makeOutputLine(h, initial);
    this.outputs.add(line);
    h.onDispose = () => this.outputs.delete(line);
    // close() drives the output inactive (LED off) through the line's own release.
    this.registry.attach(bcm, line.release);
    this.hookExit();
    return line;
  }

  async close(): Promise<void> {
    const errors = this.registry.closeAll();
    this.outputs.clear();
    if (this.exitHooked) process.removeListener('exit', this.onExit);
    this.exitHooked = false;
    if (errors.length > 0) throw errors[0];
  }

  private request(
    bcm: number,
    label: string | undefined,
    config: (offset: number) => { offsets: number[]; flags: number; debouncePeriodUs?: number; outputValues?: bigint },
  ): LineHandle & { onDispose?: () => void } {
    this.registry.claim(bcm, label);
    let offset: number | undefined;
    try {
      offset = requireOffset(this.chip, bcm);
      const fd = this.addon.requestLines(this.chip.path, { ...config(offset), consumer: consumerName(label, this.consumer) });
      return this.handle(bcm, offset, fd);
    } catch (err) {
      this.registry.free(bcm);
      if (offset === undefined) throw err;
      throw chardevLineError(err, {
        bcm, chipPath: this.chip.path, offset, action: 'requesting the line', consumer: this.consumerOf(offset),
      });
    }
  }

  private handle(bcm: number, offset: number, fd: number): LineHandle & { onDispose?: () => void } {
    let open = true;
    const h: LineHandle & { onDispose?: () => void } = {
      bcm,
      fd,
      addon: this.addon,
      logger: this.options.logger,
      mapError: (err, action) => chardevLineError(err, { bcm, chipPath: this.chip.path, offset, action }),
      dispose: () => {
        if (!open) return;
        open = false;
        h.onDispose?.();
        this.registry.free(bcm);
        try {
          this.closeFd(fd);
        } catch (err) {
          this.options.logger?.warn({ bcm, err }, 'closing the GPIO line request failed');
        }
      },
    };
    return h;
  }

  /** Who holds a line, for PV_GPIO_BUSY; best effort. */
  private consumerOf(offset: number): string | undefined {
    try {
      return this.addon.lineInfo(this.chip.path)[offset]?.consumer;
    } catch {
      return undefined;
    }
  }

  private hookExit(): void {
    if (this.exitHooked || this.options.outputsOffOnExit === false) return;
    this.exitHooked = true;
    process.on('exit', this.onExit);
  }
}
