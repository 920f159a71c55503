import { describe, expect, it } from 'vitest';
import { boardPinForBcm, describePin, HEADER_PINS, parsePin } from '../../src/gpio/index.js';
import { isPivoteError } from '../../src/protocol/errors.js';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isPivoteError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('parsePin', () => {
  it.each([
    ['GPIO17', 17], ['gpio17', 17], ['BCM17', 17], ['bcm17', 17], ['17', 17], [17, 17],
    ['BOARD11', 17], ['board11', 17], [' GPIO4 ', 4], ['BOARD3', 2], ['BOARD5', 3],
    ['BOARD40', 21], ['BOARD29', 5], ['BOARD31', 6], ['BOARD33', 13], ['BOARD35', 19],
    ['GPIO2', 2], ['GPIO27', 27], ['BOARD13', 27],
  ] as const)('%s → BCM %i', (name, bcm) => {
    expect(parsePin(name)).toBe(bcm);
  });

  it.each([
    ['GPIO28', 'PV_GPIO_NO_SUCH_PIN'],
    ['GPIO40', 'PV_GPIO_NO_SUCH_PIN'],
    ['BOARD41', 'PV_GPIO_NO_SUCH_PIN'],
    ['BOARD0', 'PV_GPIO_NO_SUCH_PIN'],
    ['-3', 'PV_GPIO_NO_SUCH_PIN'],
    ['GPIO', 'PV_GPIO_NO_SUCH_PIN'],
    ['PIN11', 'PV_GPIO_NO_SUCH_PIN'],
    ['17.5', 'PV_GPIO_NO_SUCH_PIN'],
    ['', 'PV_GPIO_NO_SUCH_PIN'],
    [99, 'PV_GPIO_NO_SUCH_PIN'],
    ['BOARD1', 'PV_GPIO_RESERVED'],
    ['BOARD2', 'PV_GPIO_RESERVED'],
    ['BOARD6', 'PV_GPIO_RESERVED'],
    ['BOARD27', 'PV_GPIO_RESERVED'],
    ['BOARD28', 'PV_GPIO_RESERVED'],
    ['GPIO0', 'PV_GPIO_RESERVED'],
    ['BCM1', 'PV_GPIO_RESERVED'],
    [0, 'PV_GPIO_RESERVED'],
  ] as const)('%s → %s', (name, code) => {
    expect(errorOf(() => parsePin(name)).code).toBe(code);
  });

  it('says what a reserved header pin is', () => {
    expect(errorOf(() => parsePin('BOARD6')).message).toContain('ground');
    expect(errorOf(() => parsePin('BOARD2')).message).toContain('5 V');
    expect(errorOf(() => parsePin('BOARD17')).message).toContain('3.3 V');
    expect(errorOf(() => parsePin('BOARD27')).message).toContain('ID_SD');
  });
});

describe('header map', () => {
  it('has 40 pins: 26 usable GPIOs, 2 ID EEPROM, 8 ground, 2×3V3, 2×5V', () => {
    const count = (kind: string): number => HEADER_PINS.filter((p) => p.kind === kind).length;
    expect(HEADER_PINS.map((p) => p.board)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect([count('gpio'), count('id_eeprom'), count('gnd'), count('3v3'), count('5v')]).toEqual([26, 2, 8, 2, 2]);
    const bcms = HEADER_PINS.flatMap((p) => (p.bcm === undefined ? [] : [p.bcm])).sort((a, b) => a - b);
    expect(bcms).toEqual(Array.from({ length: 28 }, (_, i) => i));
  });

  it('gives the physical pin of a BCM number, round-tripping through BOARD names', () => {
    expect(boardPinForBcm(17)).toBe(11);
    expect(boardPinForBcm(26)).toBe(37);
    for (let bcm = 2; bcm <= 27; bcm++) expect(parsePin(`BOARD${boardPinForBcm(bcm)}`)).toBe(bcm);
    expect(errorOf(() => boardPinForBcm(30)).code).toBe('PV_GPIO_NO_SUCH_PIN');
    expect(describePin(17)).toBe('GPIO17 (pin 11)');
  });
});
