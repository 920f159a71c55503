/** Public API of the GPIO layer. Other layers import from here only. */
export type {
  BackendKind, BackendName, Bit, Clock, Edge, EdgeEvent, EdgeListener, GpioBackend, GpioLogger,
  InputLine, InputOptions, OutputLine, OutputOptions, Pull,
} from './types.js';

export { openGpioBackend, type OpenGpioOptions } from './open-backend.js';
export { chooseAutoBackend, parseBackendKind, BACKEND_KINDS, CHARDEV_BUILT, type AutoChoice } from './choose-backend.js';
export {
  probePlatform, readBoardModel, isRaspberryPi, isRaspberryPi5, listGpiochips, sysfsAccess,
  DEFAULT_MODEL_PATHS, type PlatformFacts, type ProbeOptions, type SysfsAccess,
} from './platform-probe.js';

export {
  parsePin, boardPinForBcm, headerPinForBcm, describePin, assertUsableBcm, HEADER_PINS,
  type HeaderPin, type HeaderPinKind,
} from './pin-names.js';
export {
  resolveSysfsNumber, readSysfsChips, pickBcmChip, sysfsNumberFor, BCM_CHIP_LABELS, DEFAULT_SYSFS_GPIO_ROOT,
  type GpioChipInfo, type SysfsResolution,
} from './sysfs-chips.js';
export { configTxtPullLine, pullNotSetMessage } from './config-txt.js';
export { gpioErrorFromOs, likelyHolder } from './os-errors.js';
export { monotonicClock, systemTimers, type Timers, type TimerHandle } from './time.js';

export {
  openChardevBackend, chardevAddonProblem, type ChardevBackend, type ChardevBackendOptions,
} from './chardev/index.js';
export { openOnoffBackend, type OnoffBackendOptions, type OnoffModule } from './backends/onoff-backend.js';
export {
  openPigpioBackend, pigpioUnavailableReason, type PigpioBackendOptions, type PigpioModule,
} from './backends/pigpio-backend.js';

export { MockGpio, type MockGpioOptions, type MockPin } from './mock/mock-gpio.js';
export {
  segments, blinkPeriodMs, matchesPattern, type HistoryEntry, type PatternStep, type Segment, type MatchOptions,
} from './mock/output-history.js';

export {
  Button, type ButtonOptions, type ButtonEvents, type PressEvent, type ReleaseEvent, type HoldEvent, type NoiseEvent,
} from './devices/button.js';
export { Led, type LedOptions, type BlinkOptions } from './devices/led.js';
export { StatusLed } from './devices/status-led.js';
export {
  STATUS_PATTERNS, FEEDBACK_PATTERNS, blinkPattern, patternSteps, type LedPattern, type LedStep, type StatusState,
} from './devices/led-patterns.js';
export { createButton, createLed, type ButtonWiring, type LedWiring } from './devices/factories.js';
