import { afterEach } from 'vitest';
import { openChardevBackend } from '../../src/gpio/chardev/chardev-backend.js';
import { describeGpioBackendContract } from './contract.js';
import { fakePi4, type FakeChardevKernel } from './chardev-fake-addon.js';

/**
 * The chardev backend's TypeScript against the shared contract, with an in-memory kernel in
 * place of the native addon. The same contract runs against the real kernel (gpio-sim) in
 * `npm run test:kernel`.
 */

const INPUT = 17;
const OUTPUT = 27;
let world: { kernel: FakeChardevKernel; header: string } | undefined;

afterEach(() => {
  world?.kernel.cleanup();
  world = undefined;
});

const current = (): { kernel: FakeChardevKernel; header: string } => {
  world ??= fakePi4();
  return world;
};

describeGpioBackendContract(
  'chardev (in-memory kernel)',
  async () => {
    const { kernel } = current();
    return openChardevBackend({
      devDir: kernel.devDir, loadAddon: () => kernel.addon, readFd: kernel.read, closeFd: kernel.close, outputsOffOnExit: false,
    });
  },
  async () => {
    const { kernel, header } = current();
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    return {
      pins: { input: INPUT, output: OUTPUT },
      setInputLevel: async (level) => {
        kernel.drive(header, INPUT, level);
        await turn();
      },
      settle: async () => {
        await turn();
        await turn();
      },
      readOutputLevel: () => kernel.level(header, OUTPUT),
      dispose: async () => {
        if (kernel.closedWhilePolled.length > 0) throw new Error(`fds closed while polled: ${kernel.closedWhilePolled.join(', ')}`);
      },
    };
  },
);
