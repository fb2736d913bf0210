import { describe, expect, it } from 'vitest';
import {
  EXACT_T_MAX_DF,
  NORMAL_MIN_DF,
  normalCdf,
  normalQuantile,
  studentTwoSidedCdf,
  tQuantile,
} from '../../core/storacle/statistics/quantiles.js';

describe('normal distribution', () => {
  it('has the textbook quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 12);
  });

  it('has the textbook CDF values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(-2)).toBeCloseTo(0.022750131948179195, 14);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });
});

describe("Student's t quantiles", () => {
  it('match the printed tables', () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(tQuantile(0.995, 30)).toBeCloseTo(2.75, 3);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(tQuantile(0.995, 1)).toBeCloseTo(63.657, 3);
    expect(tQuantile(0.995, 5)).toBeCloseTo(4.032, 3);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(tQuantile(0.975, 120)).toBeCloseTo(1.980, 3);
    expect(tQuantile(0.995, 120)).toBeCloseTo(2.617, 3);
  });

  it('match exact closed forms for 1 and 2 degrees of freedom', () => {
    // ν = 1: Cauchy, tan(π(p − 1/2)); ν = 2: (2p − 1)/√(2p(1 − p)).
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9);
    }
  });

  it('are odd around the median', () => {
    expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 12);
    expect(tQuantile(0.5, 7)).toBe(0);
  });

  it('invert the exact CDF', () => {
    for (const df of [1, 2, 3, 4, 7, 10, 31, 64, 99, 100]) {
      for (const p of [0.9, 0.975, 0.995]) {
        expect(studentTwoSidedCdf(tQuantile(p, df), df)).toBeCloseTo(2 * p - 1, 10);
      }
    }
  });

  it('join continuously where the method changes and approach the normal quantile', () => {
    for (const p of [0.975, 0.995]) {
      const exact = tQuantile(p, EXACT_T_MAX_DF);
      const expansion = tQuantile(p, EXACT_T_MAX_DF + 1);
      expect(expansion).toBeLessThan(exact);
      expect(exact - expansion).toBeLessThan(1e-3);
      const below = tQuantile(p, NORMAL_MIN_DF - 1);
      const normal = tQuantile(p, NORMAL_MIN_DF);
      expect(normal).toBe(normalQuantile(p));
      expect(below).toBeGreaterThan(normal);
      expect(below - normal).toBeLessThan(1e-3);
    }
    // Decreasing in the degrees of freedom.
    let previous = Number.POSITIVE_INFINITY;
    for (const df of [1, 2, 5, 10, 50, 100, 101, 200, 1000, 9999, 10_000]) {
      const t = tQuantile(0.975, df);
      expect(t).toBeLessThan(previous);
      previous = t;
    }
  });

  it('round fractional degrees of freedom down', () => {
    expect(tQuantile(0.975, 3.7)).toBe(tQuantile(0.975, 3));
  });

  it('rejects bad arguments', () => {
    expect(() => tQuantile(0.975, 0.5)).toThrow(RangeError);
    expect(() => tQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTwoSidedCdf(1, 2.5)).toThrow(RangeError);
  });
});
