/** The chardev (GPIO character device, uAPI v2) backend; re-exported by src/gpio/index.ts. */
export {
  openChardevBackend, ChardevBackend, inputFlags, consumerName, type ChardevBackendOptions,
} from './chardev-backend.js';
export {
  loadChardevAddon, chardevAddonProblem, ADDON_PACKAGE,
  type ChardevAddon, type ChardevConstants, type ChipInfo, type LineInfo, type LineRequestConfig, type Watcher,
} from './addon.js';
export {
  listChipPaths, scanChips, pickHeaderChip, requireOffset, offsetsFromLineNames,
  type ChipEntry, type ChipScan, type HeaderChip,
} from './chip-discovery.js';
export { chardevLineError, PERMISSION_FIX, UDEV_RULE } from './chardev-errors.js';
export { parseLineEvents, encodeLineEvent, LINE_EVENT_SIZE, type RawLineEvent } from './line-events.js';
