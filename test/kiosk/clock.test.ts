import { describe, expect, it } from 'vitest';
import { createSystemClock, MAX_VOTE_AGE_MS, readBootId, voteAgeMs } from '../../src/kiosk/clock/clock.js';

describe('voteAgeMs', () => {
  const now = { monoMs: 100_000, bootId: 'boot-1' };
  it.each([
    ['same boot: now minus press', { pressedMonoMs: 40_000, bootId: 'boot-1' }, 60_000],
    ['same boot, pressed this very ms', { pressedMonoMs: 100_000, bootId: 'boot-1' }, 0],
    ['fractional ms are floored', { pressedMonoMs: 99_999.4, bootId: 'boot-1' }, 0],
    ['another boot: unknown', { pressedMonoMs: 40_000, bootId: 'boot-0' }, null],
    ['another boot even with a plausible clock: unknown', { pressedMonoMs: 99_000, bootId: 'boot-0' }, null],
    ['press after now (corrupt row): unknown', { pressedMonoMs: 100_001, bootId: 'boot-1' }, null],
  ] as const)('%s', (_name, press, expected) => {
    expect(voteAgeMs(press, now)).toBe(expected);
  });

  it('reports an age beyond what the server accepts as unknown instead of jamming the queue', () => {
    const late = { monoMs: MAX_VOTE_AGE_MS + 1, bootId: 'b' };
    expect(voteAgeMs({ pressedMonoMs: 0, bootId: 'b' }, late)).toBeNull();
    expect(voteAgeMs({ pressedMonoMs: 1, bootId: 'b' }, late)).toBe(MAX_VOTE_AGE_MS);
  });
});

describe('boot id', () => {
  it('reads and trims the kernel boot id', () => {
    const result = readBootId('/fake/boot_id', (p) => {
      expect(p).toBe('/fake/boot_id');
      return '3f1c9a5e-0d7b-4c41-9a55-8b8f0f1b2c3d\n';
    });
    expect(result).toEqual({ bootId: '3f1c9a5e-0d7b-4c41-9a55-8b8f0f1b2c3d', source: 'kernel' });
  });

  it('falls back to a per-process id when the file is absent or empty', () => {
    const absent = readBootId('/nonexistent/boot_id', () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    const empty = readBootId('/x', () => '\n');
    expect(absent.source).toBe('process');
    expect(empty.source).toBe('process');
    expect(absent.bootId).not.toBe(empty.bootId);
  });

  it('a system clock gives integer monotonic ms that never go backwards', () => {
    const clock = createSystemClock({ bootIdPath: '/nonexistent/boot_id' });
    expect(clock.bootIdSource).toBe('process');
    const a = clock.nowMs();
    const b = clock.nowMs();
    expect(Number.isInteger(a)).toBe(true);
    expect(b).toBeGreaterThanOrEqual(a);
  });
});
