import { parsePin } from '../pin-names.js';
import type { GpioBackend, Pull } from '../types.js';
import { Button, type ButtonOptions } from './button.js';
import { Led, type LedOptions } from './led.js';

export interface ButtonWiring {
  /**
   * Default true with pull 'up': the usual wiring, button between the pin and GND, so the
   * idle pin is high and a press pulls it low.
   */
  activeLow?: boolean;
  pull?: Pull;
  label?: string;
}

/** Claims the pin (`GPIO17`, `BOARD11`, `17`…) as a both-edges input and wraps it in a Button. */
export function createButton(backend: GpioBackend, pin: string | number, options: ButtonOptions & ButtonWiring = {}): Button {
  const bcm = parsePin(pin);
  const line = backend.requestInput(bcm, {
    edge: 'both',
    activeLow: options.activeLow ?? true,
    pull: options.pull ?? 'up',
    label: options.label ?? `button on GPIO${bcm}`,
  });
  try {
    return new Button(line, options);
  } catch (err) {
    line.release();
    throw err;
  }
}

export interface LedWiring {
  /** Default false: LED and resistor from the pin to GND, lit when the pin is high. */
  activeLow?: boolean;
  label?: string;
}

/** Claims the pin as an output, initially off, and wraps it in a Led. */
export function createLed(backend: GpioBackend, pin: string | number, options: LedOptions & LedWiring = {}): Led {
  const bcm = parsePin(pin);
  const line = backend.requestOutput(bcm, {
    activeLow: options.activeLow ?? false,
    initial: 0,
    label: options.label ?? `LED on GPIO${bcm}`,
  });
  return new Led(line, options);
}
