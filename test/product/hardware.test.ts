import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configTxtPullLine } from '../../src/gpio/config-txt.js';
import { FEEDBACK_PATTERNS, STATUS_PATTERNS, type LedPattern } from '../../src/gpio/devices/led-patterns.js';
import { HEADER_PINS, parsePin } from '../../src/gpio/pin-names.js';
import { validateKioskConfig } from '../../src/kiosk/config/config.js';
import { CONNECTING_SHOW_AFTER_MS, FOCUS_GAP_MS } from '../../src/kiosk/feedback/led-feedback.js';
import { KIOSK_ID_PATTERN } from '../../src/protocol/messages.js';

/**
 * hardware/README.md (pin table, config.txt line, LED patterns), hardware/kiosk.example.json and
 * hardware/wiring.svg describe the same kiosk. An operator wires from one and configures from
 * another, so any disagreement is a kiosk whose buttons do nothing.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(repo, path), 'utf8');

const readme = read('hardware/README.md');
const svg = read('hardware/wiring.svg');
const example = JSON.parse(read('hardware/kiosk.example.json')) as Record<string, unknown>;

/**
 * The 40-pin header (Raspberry Pi B+ through Pi 5 and Zero 2 W), written out independently of
 * src/gpio/pin-names.ts so that the two transcriptions check each other.
 */
const HEADER: Readonly<Record<number, string>> = {
  1: '3V3', 2: '5V', 3: 'GPIO2', 4: '5V', 5: 'GPIO3', 6: 'GND', 7: 'GPIO4', 8: 'GPIO14',
  9: 'GND', 10: 'GPIO15', 11: 'GPIO17', 12: 'GPIO18', 13: 'GPIO27', 14: 'GND', 15: 'GPIO22',
  16: 'GPIO23', 17: '3V3', 18: 'GPIO24', 19: 'GPIO10', 20: 'GND', 21: 'GPIO9', 22: 'GPIO25',
  23: 'GPIO11', 24: 'GPIO8', 25: 'GND', 26: 'GPIO7', 27: 'GPIO0', 28: 'GPIO1', 29: 'GPIO5',
  30: 'GND', 31: 'GPIO6', 32: 'GPIO12', 33: 'GPIO13', 34: 'GND', 35: 'GPIO19', 36: 'GPIO16',
  37: 'GPIO26', 38: 'GPIO20', 39: 'GND', 40: 'GPIO21',
};
function physicalPinOf(name: string): number | undefined {
  const entry = Object.entries(HEADER).find(([, n]) => n === name);
  return entry === undefined ? undefined : Number(entry[0]);
}

/** Pins that overlays or the board claim: ID EEPROM, I2C1, SPI0, UART. */
const RESERVED_BCM = new Set([0, 1, 2, 3, 7, 8, 9, 10, 11, 14, 15]);

/** The markdown table whose header row starts with `firstHeaders`, as rows of trimmed cells. */
function markdownTables(markdown: string, firstHeaders: readonly string[]): string[][][] {
  const cells = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const lines = markdown.split('\n');
  const tables: string[][][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.trim().startsWith('|')) continue;
    const header = cells(line);
    if (!firstHeaders.every((h, k) => header[k] === h)) continue;
    const rows: string[][] = [];
    for (i += 2; i < lines.length && (lines[i] ?? '').trim().startsWith('|'); i++) rows.push(cells(lines[i] ?? ''));
    tables.push(rows);
  }
  return tables;
}

interface PinRow { name: string; physical: number; role: string }
const pinTables = markdownTables(readme, ['BCM name', 'Physical pin', 'Role']);
const pinRows: PinRow[] = (pinTables[0] ?? []).map(([name = '', physical = '', role = '']) => ({
  name,
  physical: Number(physical),
  role,
}));

const stringList = (key: string): string[] => {
  const value = example[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${key} is not a string list`);
  return value;
};
const buttons = stringList('buttons');
const leds = stringList('leds');
const statusLed = example.statusLed as string;
/** Every GPIO the example uses, with the role the pin table must give it. */
const usedPins: { name: string; role: string }[] = [
  ...buttons.map((name, i) => ({ name, role: `Button ${i + 1}` })),
  ...leds.map((name, i) => ({ name, role: `Option LED ${i + 1}` })),
  { name: statusLed, role: 'Status LED' },
];

describe('the header map', () => {
  it('agrees with src/gpio/pin-names.ts', () => {
    expect(HEADER_PINS).toHaveLength(40);
    for (const pin of HEADER_PINS) {
      const expected =
        pin.kind === 'gnd' ? 'GND' : pin.kind === '3v3' ? '3V3' : pin.kind === '5v' ? '5V' : `GPIO${pin.bcm ?? '?'}`;
      expect(HEADER[pin.board], `physical pin ${pin.board}`).toBe(expected);
    }
  });
});

describe('hardware/kiosk.example.json', () => {
  it('is accepted by the real kiosk config validator, pins and times as documented', () => {
    const config = validateKioskConfig(example);
    expect(config.kioskId).toBe('hall-entrance');
    expect(config.lockoutMs).toBe(1500);
    expect(config.debounceMs).toBe(30);
  });

  it('has exactly the keys the kiosk config loader reads, with the documented values', () => {
    expect(Object.keys(example).sort()).toEqual(
      ['buttons', 'dataDir', 'debounceMs', 'gpio', 'kioskId', 'leds', 'lockoutMs', 'secretFile', 'server', 'statusLed'].sort(),
    );
    expect(example.server).toEqual([expect.stringMatching(/^[\w.-]+:\d{1,5}$/)]);
    expect(example.kioskId).toMatch(KIOSK_ID_PATTERN);
    expect(example.secretFile).toBe('/etc/pivote/kiosk.secret');
    expect(example).toMatchObject({ debounceMs: 30, lockoutMs: 1500, dataDir: '/var/lib/pivote-kiosk', gpio: 'auto' });
    expect(buttons).toHaveLength(4);
    expect(leds).toHaveLength(buttons.length);
  });

  it('keeps its outbox in the kiosk unit\'s StateDirectory', () => {
    const unit = read('systemd/pivote-kiosk.service');
    const stateDirectory = /^StateDirectory=(\S+)$/m.exec(unit)?.[1];
    expect(example.dataDir).toBe(`/var/lib/${stateDirectory ?? '(none)'}`);
    // node with V8 memory flags (see the unit), then the CLI, then the config.
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node (--\S+ )*\/usr\/local\/bin\/pivote kiosk --config \/etc\/pivote\/kiosk\.json$/m);
  });

  it('uses each pin once, by a name the pin parser accepts, and none an overlay claims', () => {
    const bcms = usedPins.map((p) => parsePin(p.name));
    expect(new Set(bcms).size).toBe(bcms.length);
    for (const [i, bcm] of bcms.entries()) {
      expect(usedPins[i]?.name).toBe(`GPIO${bcm}`);
      expect(RESERVED_BCM.has(bcm), `GPIO${bcm}`).toBe(false);
    }
  });
});

describe('the pin table in hardware/README.md', () => {
  it('exists once and lists every pin of the example with its role and physical pin', () => {
    expect(pinTables).toHaveLength(1);
    for (const { name, role } of usedPins) {
      const rows = pinRows.filter((r) => r.name === name);
      expect(rows, name).toHaveLength(1);
      expect(rows[0]?.role, name).toBe(role);
      expect(rows[0]?.physical, name).toBe(physicalPinOf(name));
    }
  });

  it('has no GPIO row the example does not use', () => {
    const gpioRows = pinRows.filter((r) => r.name !== 'GND').map((r) => r.name);
    expect(gpioRows.sort()).toEqual(usedPins.map((p) => p.name).sort());
  });

  it('matches the header map on every row, ground rows included', () => {
    expect(pinRows.filter((r) => r.name === 'GND').length).toBeGreaterThan(0);
    for (const row of pinRows) {
      expect(Number.isInteger(row.physical) && row.physical >= 1 && row.physical <= 40, row.name).toBe(true);
      expect(HEADER[row.physical], `${row.name} at physical pin ${row.physical}`).toBe(row.name);
    }
    const physical = pinRows.map((r) => r.physical);
    expect(new Set(physical).size).toBe(physical.length);
  });
});

describe('the config.txt pull-up line', () => {
  const expected = configTxtPullLine(buttons.map((b) => parsePin(b)), 'up');

  it('lists exactly the button pins', () => {
    expect(expected).toBe('gpio=5,6,13,19=ip,pu');
    const lines = (text: string): string[] => [...text.matchAll(/gpio=[\d,]+=ip,p[udn]/g)].map((m) => m[0]);
    expect(lines(readme).length).toBeGreaterThan(0);
    expect(new Set(lines(readme))).toEqual(new Set([expected]));
    expect(new Set(lines(svg))).toEqual(new Set([expected]));
  });
});

describe('hardware/wiring.svg', () => {
  it('is well-formed: balanced tags under one <svg> root, no stray ampersands', () => {
    const body = svg.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
    const stack: string[] = [];
    let roots = 0;
    for (const [, close = '', name = '', selfClose = ''] of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)(?:\s[^<>]*?)?(\/?)>/g)) {
      if (close !== '') {
        expect(stack.pop(), `</${name}>`).toBe(name);
      } else if (selfClose === '') {
        if (stack.length === 0) roots++;
        stack.push(name);
      }
    }
    expect(stack).toEqual([]);
    expect(roots).toBe(1);
    expect(body.trimStart().startsWith('<svg')).toBe(true);
    expect(body).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/);
  });

  it('labels every pin of the table as "GPIOn (pin p)" / "GND (pin p)", and no other pin', () => {
    const labels = new Set([...svg.matchAll(/\b(GPIO\d+|GND) \(pin (\d+)\)/g)].map((m) => `${m[1]} (pin ${m[2]})`));
    expect(labels).toEqual(new Set(pinRows.map((r) => `${r.name} (pin ${r.physical})`)));
  });
});

/** The timing of a pattern in the fixed wording the README's "Timing" column uses. */
function timing(pattern: LedPattern): string {
  if (pattern.kind === 'steady') return pattern.on ? 'steady on' : 'steady off';
  const steps = pattern.steps.map((s) => `${s.on ? 'on' : 'off'} ${s.ms} ms`).join(', ');
  const repeat = pattern.repeat === 'forever' ? 'repeating' : pattern.repeat === 1 ? 'once' : `${pattern.repeat} times`;
  return `${steps}, ${repeat}`;
}

describe('the LED pattern tables in hardware/README.md', () => {
  const rows = markdownTables(readme, ['Pattern', 'Timing']).flat();
  const documented = new Map(
    rows.flatMap(([pattern = '', timingCell = '']) => {
      const name = /^`([\w-]+)`$/.exec(pattern)?.[1];
      return name === undefined ? [] : [[name, timingCell] as const];
    }),
  );
  const exported: LedPattern[] = [...Object.values(STATUS_PATTERNS), ...Object.values(FEEDBACK_PATTERNS)];

  it('documents every pattern src/gpio exports, by name, with its exact timing', () => {
    for (const pattern of exported) {
      expect(documented.get(pattern.name), pattern.name).toBe(timing(pattern));
    }
  });

  it('documents no pattern that src/gpio does not export', () => {
    expect([...documented.keys()].sort()).toEqual(exported.map((p) => p.name).sort());
  });
});

/** The text of a Markdown section whose heading matches, up to the next heading of its level or above. */
function section(markdown: string, heading: RegExp): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && heading.test(l));
  if (start === -1) return '';
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

describe('every LED timing and pattern name the docs quote is the code\'s', () => {
  const exported: LedPattern[] = [...Object.values(STATUS_PATTERNS), ...Object.values(FEEDBACK_PATTERNS)];
  const names = new Set(exported.map((p) => p.name));
  // Durations of the patterns' steps, and the two framing constants the docs also quote.
  const durations = new Set([...exported.flatMap((p) => (p.kind === 'cycle' ? p.steps.map((s) => s.ms) : [])), FOCUS_GAP_MS, CONNECTING_SHOW_AFTER_MS]);
  const docs = ['hardware/README.md', 'hardware/gpio-notes.md'].map((path) => ({ path, text: section(read(path), /LED patterns/) }));

  it.each(docs)('$path has an LED patterns section', ({ text }) => {
    expect(text.length).toBeGreaterThan(100);
  });

  it('hardware/gpio-notes.md lists every pattern with its exact timing', () => {
    const notes = docs.find((d) => d.path === 'hardware/gpio-notes.md')!.text;
    const listed = new Map([...notes.matchAll(/^- `([\w-]+)`: (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    expect(new Map(exported.map((p) => [p.name, timing(p)]))).toEqual(listed);
  });

  it.each(docs)('$path names no pattern and no duration the code does not have', ({ text }) => {
    for (const m of text.matchAll(/(\d[\d ]*)\s?ms\b/g)) expect(durations, `${m[0]} in "${text.slice(Math.max(0, m.index! - 40), m.index! + 20)}"`).toContain(Number(m[1]!.replace(/ /g, '')));
    for (const m of text.matchAll(/(\d+(?:\.\d+)?) s\b/g)) expect(durations, m[0]).toContain(Number(m[1]) * 1000);
    // Backticked lower-camel words in the section are pattern names, kiosk feedback or code names.
    const allowed = new Set([...names, 'showOptions', 'confirmed', 'savedOffline', 'notAccepted', 'lockoutMs', 'description']);
    for (const m of text.matchAll(/`([a-z][a-zA-Z]+)`/g)) expect(allowed, m[0]).toContain(m[1]);
  });
});
