import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary fake /sys/class/gpio trees (and device-tree model files) for resolution tests. */

export interface FakeChip {
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

export const PI4_OLD_KERNEL: FakeChip[] = [
  { name: 'gpiochip0', base: 0, ngpio: 58, label: 'pinctrl-bcm2711' },
  { name: 'gpiochip504', base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];

export const PI4_KERNEL_6_6: FakeChip[] = [
  { name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
  { name: 'gpiochip570', base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];

/** A Pi 5 lists the SoC's brcmstb chips before the RP1 chip that carries the header. */
export const PI5: FakeChip[] = [
  { name: 'gpiochip512', base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
  { name: 'gpiochip544', base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
  { name: 'gpiochip548', base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
  { name: 'gpiochip565', base: 565, ngpio: 6, label: 'gpio-brcmstb@107d517c20' },
  { name: 'gpiochip571', base: 571, ngpio: 54, label: 'pinctrl-rp1' },
];

export const PI3: FakeChip[] = [
  { name: 'gpiochip0', base: 0, ngpio: 54, label: 'pinctrl-bcm2835' },
  { name: 'gpiochip504', base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
];

export class FakeMachine {
  readonly root = mkdtempSync(join(tmpdir(), 'pivote-gpio-'));
  readonly sysfsRoot = join(this.root, 'sys/class/gpio');
  readonly devDir = join(this.root, 'dev');
  readonly modelPath = join(this.root, 'proc/device-tree/model');

  constructor() {
    mkdirSync(this.devDir, { recursive: true });
  }

  withSysfs(chips: readonly FakeChip[], options: { exported?: number[] } = {}): this {
    mkdirSync(this.sysfsRoot, { recursive: true });
    writeFileSync(join(this.sysfsRoot, 'export'), '');
    writeFileSync(join(this.sysfsRoot, 'unexport'), '');
    for (const chip of chips) {
      const dir = join(this.sysfsRoot, chip.name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'base'), `${chip.base}\n`);
      writeFileSync(join(dir, 'ngpio'), `${chip.ngpio}\n`);
      writeFileSync(join(dir, 'label'), `${chip.label}\n`);
    }
    for (const n of options.exported ?? []) mkdirSync(join(this.sysfsRoot, `gpio${n}`));
    return this;
  }

  withGpiochips(...names: string[]): this {
    for (const name of names) writeFileSync(join(this.devDir, name), '');
    return this;
  }

  /** The device tree stores the model NUL-terminated. */
  withModel(model: string): this {
    mkdirSync(join(this.root, 'proc/device-tree'), { recursive: true });
    writeFileSync(this.modelPath, `${model}\0`);
    return this;
  }

  probeOptions(isRoot = false): { sysfsRoot: string; devDir: string; modelPaths: string[]; isRoot: () => boolean } {
    return { sysfsRoot: this.sysfsRoot, devDir: this.devDir, modelPaths: [this.modelPath], isRoot: () => isRoot };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
