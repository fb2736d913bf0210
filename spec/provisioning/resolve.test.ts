import { describe, expect, it } from 'vitest';
import { resolve, type Candidate, type InstalledCandidate } from '../../core/provisioning/resolve/index.js';

function app(name: string, version: string, provides: Record<string, string>, requires: Record<string, string> = {}): Candidate {
  return {
    name,
    version,
    provides: Object.entries(provides).map(([role, v]) => ({ role, version: v })),
    requires: Object.entries(requires).map(([role, range]) => ({ role, range })),
  };
}

const a1 = app('a', '1.0.0', { alpha: '1.0.0' });
const a2 = app('a', '2.0.0', { alpha: '2.0.0' });
const b1 = app('b', '1.0.0', { beta: '1.1.0' }, { alpha: '^1.0.0' });
const c1 = app('c', '1.0.0', { gamma: '1.0.0' }, { beta: '^1.0.0' });

describe('dependency resolution', () => {
  it('orders a chain c → b → a with the providers first, each step saying why', () => {
    const plan = resolve({ name: 'c' }, [c1, b1, a1, a2], []);
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => `${s.action} ${s.name} ${s.version}`)).toEqual(['install a 1.0.0', 'install b 1.0.0', 'install c 1.0.0']);
    expect(plan.steps[0]!.reason).toBe('provides role alpha 1.0.0 (^1.0.0) required by b');
    expect(plan.steps[2]!.reason).toBe('asked for');
  });

  it('takes the newest version, or the newest within the range asked for', () => {
    expect(resolve({ name: 'a' }, [a1, a2], []).steps.map((s) => s.version)).toEqual(['2.0.0']);
    expect(resolve({ name: 'a', range: '^1' }, [a1, a2], []).steps.map((s) => s.version)).toEqual(['1.0.0']);
  });

  it('keeps installed providers that fit, and starts them when they are stopped', () => {
    const installed: InstalledCandidate[] = [{ ...a1, running: true }, { ...b1, running: false }];
    const plan = resolve({ name: 'c' }, [c1, b1, a1, a2], installed);
    expect(plan.steps.map((s) => `${s.action} ${s.name}`)).toEqual(['keep a', 'start b', 'install c']);
    expect(resolve({ name: 'c', start: false }, [c1, b1, a1], installed).steps.map((s) => s.action)).toEqual(['keep', 'keep', 'install']);
  });

  it('upgrades an installed provider whose version does not fit', () => {
    const needsNewAlpha = app('d', '1.0.0', {}, { alpha: '^2.0.0' });
    const plan = resolve({ name: 'd' }, [needsNewAlpha, a1, a2], [{ ...a1, running: true }]);
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => `${s.action} ${s.name} ${s.version}`)).toEqual(['upgrade a 2.0.0', 'install d 1.0.0']);
    expect(plan.steps[0]!.reason).toContain('installed 1.0.0 does not');
  });

  it('names a missing role with the chain that needs it, and what comes closest', () => {
    const plan = resolve({ name: 'c' }, [c1, b1], []);
    expect(plan.problems).toEqual(['missing role alpha ^1.0.0 required by c → b (nothing provides it)']);
    const near = resolve({ name: 'c' }, [c1, b1, a2], []);
    expect(near.problems).toEqual(['missing role alpha ^1.0.0 required by c → b (none fits: a 2.0.0 provides 2.0.0)']);
  });

  it('reports a cycle with its chain', () => {
    const x = app('x', '1.0.0', { ex: '1.0.0' }, { why: '^1' });
    const y = app('y', '1.0.0', { why: '1.0.0' }, { zed: '^1' });
    const z = app('z', '1.0.0', { zed: '1.0.0' }, { ex: '^1' });
    const plan = resolve({ name: 'x' }, [x, y, z], []);
    expect(plan.problems).toEqual(['dependency cycle: x → y → z → x (role ex ^1)']);
  });

  it('reports a conflict: one app needed at two versions', () => {
    const left = app('left', '1.0.0', { l: '1.0.0' }, { alpha: '^1.0.0' });
    const right = app('right', '1.0.0', { r: '1.0.0' }, { alphaTwo: '^2.0.0' });
    const a2both = app('a', '2.0.0', { alphaTwo: '2.0.0' });
    const top = app('top', '1.0.0', {}, { l: '^1', r: '^1' });
    const plan = resolve({ name: 'top' }, [top, left, right, a1, a2both], []);
    expect(plan.problems).toEqual(['conflict: a 1.0.0 (via top → left → a) and a 2.0.0 (via top → right → a)']);
  });

  it('refuses bad ranges and unknown apps by name', () => {
    expect(resolve({ name: 'a', range: 'not a range' }, [a1], []).problems).toEqual(['a: "not a range" is not a semver range']);
    expect(resolve({ name: 'nope' }, [a1], []).problems).toEqual(['app "nope" is not in the catalogue']);
    expect(resolve({ name: 'a', range: '^3' }, [a1, a2], []).problems).toEqual(['app "a": no version satisfies "^3" (the catalogue has 1.0.0, 2.0.0)']);
  });
});
