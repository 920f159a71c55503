import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockGpio } from '../../src/gpio/index.js';
import { observeOutputs, type OutputChange } from '../../src/kiosk/feedback/observed-outputs.js';

describe('observeOutputs', () => {
  let mock: MockGpio;
  beforeEach(() => {
    mock = new MockGpio();
  });
  afterEach(async () => {
    await mock.close();
  });

  it('reports the initial level and every change, not repeated writes, and the release', () => {
    const changes: OutputChange[] = [];
    const backend = observeOutputs(mock, (c) => changes.push(c));
    expect(backend.name).toBe('mock');
    const line = backend.requestOutput(17);
    line.write(1);
    line.write(1);
    line.write(0);
    line.write(1);
    line.release();
    expect(changes).toEqual([
      { bcm: 17, value: 0 },
      { bcm: 17, value: 1 },
      { bcm: 17, value: 0 },
      { bcm: 17, value: 1 },
      { bcm: 17, value: 0 },
    ]);
    expect(mock.pin(17).mode).toBe('free');
  });

  it('a throwing observer does not break the LED', () => {
    const backend = observeOutputs(mock, () => {
      throw new Error('display bug');
    });
    const line = backend.requestOutput(27);
    expect(() => line.write(1)).not.toThrow();
    expect(mock.isOn(27)).toBe(true);
    line.release();
  });
});
