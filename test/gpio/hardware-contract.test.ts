import {
  openGpioBackend, pigpioUnavailableReason, probePlatform, type Bit, type OutputLine,
} from '../../src/gpio/index.js';
import { describeGpioBackendContract, type ContractDriver } from './contract.js';

/**
 * Real backends run the contract only on a Pi with a jumper wire between two free pins, named
 * by PIVOTE_GPIO_LOOPBACK="<output>:<input>" (e.g. "20:21"); PIVOTE_GPIO_SPARE (default 26) is
 * a third free pin used as the contract's output. Elsewhere the suites are skipped with the
 * reason in the title, so a skipped run never looks like a pass.
 */

const facts = probePlatform();
const loopback = /^(\d+):(\d+)$/.exec(process.env['PIVOTE_GPIO_LOOPBACK'] ?? '');
const spare = Number(process.env['PIVOTE_GPIO_SPARE'] ?? '26');
const noLoopback = 'no loopback jumper configured (set PIVOTE_GPIO_LOOPBACK=<out>:<in> and wire those pins together)';

/** Drives the contract's input through the jumper from a separate backend instance. */
function loopbackDriver(kind: 'onoff' | 'pigpio'): () => Promise<ContractDriver> {
  return async () => {
    const outPin = Number(loopback?.[1]);
    const inPin = Number(loopback?.[2]);
    const driverBackend = await openGpioBackend(kind);
    const line: OutputLine = driverBackend.requestOutput(outPin, { initial: 0, label: 'contract loopback' });
    // Real hardware: give the edge time to propagate and the library time to deliver it.
    const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    return {
      pins: { input: inPin, output: spare },
      setInputLevel: async (level: Bit) => {
        line.write(level);
        await wait(20);
      },
      settle: () => wait(50),
      dispose: () => driverBackend.close(),
    };
  };
}

const onoffSkip =
  facts.sysfs !== 'ok' ? `no writable /sys/class/gpio on this machine (sysfs: ${facts.sysfs})` :
  loopback === null ? noLoopback : undefined;
describeGpioBackendContract('onoff', () => openGpioBackend('onoff'), loopbackDriver('onoff'), { skipReason: onoffSkip });

const pigpioSkip = pigpioUnavailableReason(facts.model, facts.isRoot) ?? (loopback === null ? noLoopback : undefined);
describeGpioBackendContract('pigpio', () => openGpioBackend('pigpio'), loopbackDriver('pigpio'), { skipReason: pigpioSkip });
