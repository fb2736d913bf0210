/** The pieces without processes: backoff with jitter and reset, the intensity window, log rotation. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RotatingLog } from '../../supervisor/log-file.js';
import { Backoff, IntensityWindow } from '../../supervisor/restart-policy.js';
import { removeTempDirs, tempDir } from '../actor/helpers.js';

afterAll(removeTempDirs);

describe('restart policy', () => {
  it('backs off exponentially up to the maximum, with jitter, and resets after a stable run', () => {
    const spec = { minMs: 100, maxMs: 1000, randomFactor: 0.5, resetAfterMs: 5000 };
    const none = new Backoff(spec, () => 0);
    expect([0, 0, 0, 0, 0, 0, 0].map(() => none.next(10))).toEqual([0, 100, 200, 400, 800, 1000, 1000]);
    expect(none.next(5000)).toBe(0);
    expect(none.next(10)).toBe(100);
    const most = new Backoff(spec, () => 1);
    expect([0, 0, 0, 0].map(() => most.next(10))).toEqual([0, 150, 300, 600]);
  });

  it('allows `intensity` restarts within the period, not one more', () => {
    const window = new IntensityWindow(2, 1000);
    expect(window.record(0)).toBe(true);
    expect(window.record(100)).toBe(true);
    expect(window.record(200)).toBe(false);
    const later = new IntensityWindow(2, 1000);
    expect([0, 500, 1001, 1600].map((t) => later.record(t))).toEqual([true, true, true, true]);
  });
});

describe('log files', () => {
  it('rotates by size, keeps the given number of files, and tails across them', () => {
    const dir = tempDir('sup-log');
    const log = new RotatingLog(join(dir, 'logs', 'root.a.log'), 1024, 2);
    for (let i = 0; i < 100; i++) log.write(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}\n`);
    log.close();
    expect(readFileSync(join(dir, 'logs', 'root.a.log')).length).toBeLessThanOrEqual(1024);
    expect(existsSync(join(dir, 'logs', 'root.a.log.1'))).toBe(true);
    expect(existsSync(join(dir, 'logs', 'root.a.log.2'))).toBe(true);
    expect(existsSync(join(dir, 'logs', 'root.a.log.3'))).toBe(false);
    const tail = log.tail(30);
    expect(tail).toHaveLength(30);
    expect(tail[0]).toMatch(/^line 070 /);
    expect(tail[29]).toMatch(/^line 099 /);
  });
});
