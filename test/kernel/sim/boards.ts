import { gpioNames, type BankSpec } from './gpio-sim.js';

/**
 * The GPIO chip layouts of the Raspberry Pis pivote runs on, as gpio-sim banks in registration
 * order (which decides the chip numbers and the sysfs bases, as on the real boards).
 */

export interface SimBoard {
  /** For test titles. */
  name: string;
  banks: readonly BankSpec[];
  /** Label of the bank that carries the 40-pin header. */
  headerLabel: string;
  /** What the chardev backend must find, and what sysfs must number BCM 17 as. */
  expect: { chipName: string; sysfsBase: number };
}

const brcmstb = (suffix: string, lines: number): BankSpec => ({ label: `gpio-brcmstb@107d5${suffix}`, lines });

/** Pi 4 on kernel 6.6+: the header chip is first, at sysfs base 512; the firmware expander follows. */
export const PI4: SimBoard = {
  name: 'Pi 4 (pinctrl-bcm2711, 58 lines)',
  banks: [
    { label: 'pinctrl-bcm2711', lines: 58, names: gpioNames(58) },
    { label: 'raspberrypi-exp-gpio', lines: 8 },
  ],
  headerLabel: 'pinctrl-bcm2711',
  expect: { chipName: 'gpiochip0', sysfsBase: 512 },
};

/** Pi 5 on kernel 6.6.45+: RP1 moved to gpiochip0 (base 512), the SoC's brcmstb chips follow. */
export const PI5: SimBoard = {
  name: 'Pi 5 (pinctrl-rp1, 54 lines, gpiochip0)',
  banks: [
    { label: 'pinctrl-rp1', lines: 54, names: gpioNames(54) },
    brcmstb('08500', 32), brcmstb('08520', 4), brcmstb('17c00', 17), brcmstb('17c20', 6),
  ],
  headerLabel: 'pinctrl-rp1',
  expect: { chipName: 'gpiochip0', sysfsBase: 512 },
};

/** Pi 5 before kernel 6.6.45: four brcmstb chips first, so RP1 is gpiochip4 at sysfs base 571. */
export const PI5_EARLY_6_6: SimBoard = {
  name: 'Pi 5 before 6.6.45 (pinctrl-rp1 as gpiochip4, base 571)',
  banks: [
    brcmstb('08500', 32), brcmstb('08520', 4), brcmstb('17c00', 17), brcmstb('17c20', 6),
    { label: 'pinctrl-rp1', lines: 54, names: gpioNames(54) },
  ],
  headerLabel: 'pinctrl-rp1',
  expect: { chipName: 'gpiochip4', sysfsBase: 571 },
};

export const BOARDS: readonly SimBoard[] = [PI4, PI5, PI5_EARLY_6_6];
