/**
 * Tree files: JSON and YAML, defaults, and clear errors that name the bad
 * field; `gridlink up` refuses a bad file with exit code 2 before starting anything.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTree, TreeFileError } from '../../supervisor/tree-file.js';
import { validateTree, type ValidationContext } from '../../supervisor/spec.js';
import { removeTempDirs, runGridlink, tempDir } from '../actor/helpers.js';
import { CHILD } from './helpers.js';

afterAll(removeTempDirs);

const known: ValidationContext = {
  resolveModule: (module) => (['examples/generator', 'examples/monitor'].includes(module) ? module : undefined),
  resolveFile: (file) => `/base/${file}`,
};

function problem(tree: unknown): { field: string; message: string } {
  try {
    validateTree(tree, known);
  } catch (error) {
    const e = error as { field: string; message: string };
    return { field: e.field, message: e.message };
  }
  throw new Error('the tree was accepted');
}

const gen = { name: 'gen', module: 'examples/generator' };

describe('tree files', () => {
  it('fills in the defaults', () => {
    const tree = validateTree({ root: { children: [gen, { name: 'sub', strategy: 'rest_for_one', children: [{ name: 'mon', module: 'examples/monitor', config: 'mon.json', shutdown: 'infinity' }] }] } }, known);
    expect(tree.root).toMatchObject({ kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 3, periodMs: 5000, restart: 'permanent' });
    expect(tree.root.backoff).toEqual({ minMs: 100, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 10_000 });
    expect(tree.root.children[0]).toEqual({ kind: 'worker', name: 'gen', module: 'examples/generator', config: undefined, restart: 'permanent', shutdown: 5000 });
    expect(tree.root.children[1]).toMatchObject({ kind: 'supervisor', strategy: 'rest_for_one', children: [{ config: '/base/mon.json', shutdown: 'infinity' }] });
    expect(tree.logs).toEqual({ dir: '.gridlink/logs', maxBytes: 1_048_576, keep: 3 });
    expect(tree.liveness.expiredMs).toBe(10_000);
  });

  it('names the bad field', () => {
    expect(problem({ root: { children: [{ name: 'x', module: 'examples/nothing' }] } })).toEqual({ field: 'root.children[0].module', message: 'root.children[0].module: unknown module "examples/nothing"' });
    expect(problem({ root: { children: [gen, gen] } }).field).toBe('root.children[1].name');
    expect(problem({ root: { children: [gen, gen] } }).message).toMatch(/duplicate name "gen"/);
    expect(problem({ root: { strategy: 'one_for_some', children: [] } })).toMatchObject({ field: 'root.strategy', message: expect.stringMatching(/expected one of one_for_one, one_for_all, rest_for_one, simple_one_for_one, got "one_for_some"/) });
    expect(problem({ root: { intensity: -1, children: [] } }).field).toBe('root.intensity');
    expect(problem({ root: { periodMs: 1.5, children: [] } }).field).toBe('root.periodMs');
    expect(problem({ root: { backoff: { minMs: 500, maxMs: 100 }, children: [] } }).field).toBe('root.backoff.maxMs');
    expect(problem({ root: { backoff: { randomFactor: 2 }, children: [] } }).field).toBe('root.backoff.randomFactor');
    expect(problem({ root: { children: [{ ...gen, restart: 'sometimes' }] } }).field).toBe('root.children[0].restart');
    expect(problem({ root: { children: [{ ...gen, shutdown: -5 }] } }).field).toBe('root.children[0].shutdown');
    expect(problem({ root: { children: [{ ...gen, restrat: 'permanent' }] } }).field).toBe('root.children[0].restrat');
    expect(problem({ root: { children: [{ name: 'a/b', module: 'examples/generator' }] } }).field).toBe('root.children[0].name');
    expect(problem({ root: { children: [{ name: 'nothing' }] } }).field).toBe('root.children[0]');
    expect(problem({ root: { children: 'gen' } }).field).toBe('root.children');
    expect(problem({}).field).toBe('root');
    expect(problem({ children: [] }).field).toBe('children');
    expect(problem({ root: { strategy: 'simple_one_for_one', children: [gen, { name: 'mon', module: 'examples/monitor' }] } }).field).toBe('root.children[1].module');
    expect(problem({ root: { children: [] }, liveness: { intervalMs: 1000, evasiveMs: 500 } }).field).toBe('liveness.evasiveMs');
    expect(problem([]).field).toBe('(tree file)');
  });

  it('reads YAML and reports its syntax errors with the file', () => {
    const tree = parseTree(`root:\n  strategy: one_for_all\n  children:\n    - name: a\n      module: ${CHILD}\n      restart: transient\n`, '/somewhere/tree.yaml');
    expect(tree.root.strategy).toBe('one_for_all');
    expect(tree.root.children[0]).toMatchObject({ name: 'a', module: CHILD, restart: 'transient' });
    expect(() => parseTree('root: [unclosed', '/somewhere/tree.yml')).toThrow(/^\/somewhere\/tree\.yml: not valid YAML/);
    expect(() => parseTree('{"root": ', '/somewhere/tree.json')).toThrow(/^\/somewhere\/tree\.json: not valid JSON/);
    try {
      parseTree('{"root": {"children": [{"name": "a", "module": "./missing.js"}]}}', '/somewhere/tree.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TreeFileError);
      expect((error as TreeFileError).field).toBe('root.children[0].module');
    }
  });

  it('gridlink up refuses a bad tree file with exit code 2 and the field', async () => {
    const dir = tempDir('sup-bad');
    const file = join(dir, 'tree.yaml');
    writeFileSync(file, 'root:\n  strategy: one_for_one\n  children:\n    - name: gen\n      module: examples/generator\n    - name: gen\n      module: examples/monitor\n');
    const result = await runGridlink(['up', file, '--port', '1'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`gridlink up: ${file}: root.children[1].name: duplicate name "gen" under "root"`);
    expect(result.stdout).toBe('');
    const missing = await runGridlink(['up', join(dir, 'nope.json')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read: ENOENT/);
  });

  it('the example tree is valid: the three example modules under one one_for_one root', () => {
    // Module names are checked against the sources here (the agent checks the compiled actors/).
    const sources: ValidationContext = { resolveModule: (m) => (existsSync(`actors/${m}/module.ts`) ? m : undefined), resolveFile: (f) => f };
    const tree = validateTree(JSON.parse(readFileSync('supervisor/examples/substation.json', 'utf8')), sources);
    expect(tree.root.strategy).toBe('one_for_one');
    expect(tree.root.children.map((c) => (c.kind === 'worker' ? c.module : c.name))).toEqual(['storage', 'examples/generator', 'examples/monitor']);
  });
});
