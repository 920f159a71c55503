import { PivoteError } from '../protocol/errors.js';

/**
 * The 40-pin header shared by every Raspberry Pi from the B+ to the Pi 5 (Zero 2 W included),
 * and pin-name parsing: `GPIO17`, `BCM17`, `BOARD11` and `17` all mean BCM 17.
 */

export type HeaderPinKind = 'gpio' | '3v3' | '5v' | 'gnd' | 'id_eeprom';

export interface HeaderPin {
  /** Physical position on the header, 1-40. */
  readonly board: number;
  readonly kind: HeaderPinKind;
  /** BCM number, for GPIO and ID-EEPROM pins. */
  readonly bcm?: number;
  /** Usual alternate function, which is also what an overlay may claim it for. */
  readonly alt?: string;
}

const gpio = (board: number, bcm: number, alt?: string): HeaderPin =>
  alt === undefined ? { board, kind: 'gpio', bcm } : { board, kind: 'gpio', bcm, alt };
const power = (board: number, kind: '3v3' | '5v' | 'gnd'): HeaderPin => ({ board, kind });

export const HEADER_PINS: readonly HeaderPin[] = [
  power(1, '3v3'), power(2, '5v'),
  gpio(3, 2, 'I2C1 SDA'), power(4, '5v'),
  gpio(5, 3, 'I2C1 SCL'), power(6, 'gnd'),
  gpio(7, 4, 'GPCLK0 / 1-Wire'), gpio(8, 14, 'UART TXD'),
  power(9, 'gnd'), gpio(10, 15, 'UART RXD'),
  gpio(11, 17), gpio(12, 18, 'PCM CLK / PWM0'),
  gpio(13, 27), power(14, 'gnd'),
  gpio(15, 22), gpio(16, 23),
  power(17, '3v3'), gpio(18, 24),
  gpio(19, 10, 'SPI0 MOSI'), power(20, 'gnd'),
  gpio(21, 9, 'SPI0 MISO'), gpio(22, 25),
  gpio(23, 11, 'SPI0 SCLK'), gpio(24, 8, 'SPI0 CE0'),
  power(25, 'gnd'), gpio(26, 7, 'SPI0 CE1'),
  { board: 27, kind: 'id_eeprom', bcm: 0, alt: 'ID_SD (HAT EEPROM)' },
  { board: 28, kind: 'id_eeprom', bcm: 1, alt: 'ID_SC (HAT EEPROM)' },
  gpio(29, 5), power(30, 'gnd'),
  gpio(31, 6), gpio(32, 12, 'PWM0'),
  gpio(33, 13, 'PWM1'), power(34, 'gnd'),
  gpio(35, 19, 'PCM FS / PWM1'), gpio(36, 16),
  gpio(37, 26), gpio(38, 20, 'PCM DIN'),
  power(39, 'gnd'), gpio(40, 21, 'PCM DOUT'),
];

const byBoard = new Map(HEADER_PINS.map((p) => [p.board, p]));
const byBcm = new Map(
  HEADER_PINS.filter((p) => p.bcm !== undefined).map((p) => [p.bcm as number, p]),
);

/** The header pin for a BCM number, or undefined when the GPIO is not on the header. */
export function headerPinForBcm(bcm: number): HeaderPin | undefined {
  return byBcm.get(bcm);
}

/** Physical (BOARD) pin for a BCM number; throws PV_GPIO_NO_SUCH_PIN when it is not on the header. */
export function boardPinForBcm(bcm: number): number {
  const pin = byBcm.get(bcm);
  if (pin === undefined) {
    throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `GPIO${bcm} is not on the 40-pin header`, { bcm });
  }
  return pin.board;
}

/** "GPIO17 (pin 11)" — how every message names a pin, so operators can find it on the board. */
export function describePin(bcm: number): string {
  const pin = byBcm.get(bcm);
  return pin === undefined ? `GPIO${bcm}` : `GPIO${bcm} (pin ${pin.board})`;
}

/**
 * Checks that a BCM number is a header GPIO a kiosk may use. Backends call this on every
 * request so a bad number fails the same way whichever backend is in use.
 */
export function assertUsableBcm(bcm: number): void {
  if (!Number.isInteger(bcm)) {
    throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `${String(bcm)} is not a GPIO number`, { bcm });
  }
  const pin = byBcm.get(bcm);
  if (pin === undefined) {
    throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `GPIO${bcm} does not exist on the 40-pin header (usable: GPIO2-GPIO27)`, { bcm });
  }
  if (pin.kind === 'id_eeprom') {
    throw new PivoteError(
      'PV_GPIO_RESERVED',
      `${describePin(bcm)} is ${pin.alt ?? 'reserved'}: reserved for the HAT ID EEPROM`,
      { bcm, board: pin.board },
    );
  }
}

const PIN_NAME = /^(GPIO|BCM|BOARD)?(\d{1,3})$/i;

/**
 * Parses a pin name from a config file or the command line into a BCM number.
 * A bare number is BCM (the numbering in pinout diagrams' "GPIOn" labels).
 */
export function parsePin(name: string | number): number {
  if (typeof name === 'number') {
    assertUsableBcm(name);
    return name;
  }
  const match = PIN_NAME.exec(name.trim());
  if (match === null) {
    throw new PivoteError(
      'PV_GPIO_NO_SUCH_PIN',
      `"${name}" is not a pin name; write GPIO17, BCM17, 17 or BOARD11`,
      { name },
    );
  }
  const prefix = (match[1] ?? 'BCM').toUpperCase();
  const number = Number(match[2]);
  if (prefix !== 'BOARD') {
    assertUsableBcm(number);
    return number;
  }
  const pin = byBoard.get(number);
  if (pin === undefined) {
    throw new PivoteError('PV_GPIO_NO_SUCH_PIN', `"${name}": the header has pins 1-40`, { name });
  }
  if (pin.kind === 'gpio' && pin.bcm !== undefined) return pin.bcm;
  const what =
    pin.kind === 'id_eeprom' ? `${pin.alt ?? 'ID EEPROM'}, reserved for the HAT ID EEPROM` :
    pin.kind === 'gnd' ? 'a ground pin' : `a ${pin.kind === '3v3' ? '3.3 V' : '5 V'} power pin`;
  throw new PivoteError('PV_GPIO_RESERVED', `"${name}" (header pin ${number}) is ${what}`, {
    name,
    board: number,
    kind: pin.kind,
  });
}
