import { MockGpio, type GpioBackend } from '../../src/gpio/index.js';
import { describeGpioBackendContract } from './contract.js';

const INPUT = 17;
const OUTPUT = 27;

describeGpioBackendContract(
  'mock',
  async () => new MockGpio(),
  async (backend: GpioBackend) => {
    const mock = backend as MockGpio;
    return {
      pins: { input: INPUT, output: OUTPUT },
      setInputLevel: async (level) => mock.pin(INPUT).drive(level),
      settle: () => mock.settle(),
      readOutputLevel: () => mock.pin(OUTPUT).level,
    };
  },
);
