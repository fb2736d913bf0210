/**
 * `gridlink run` with a file that is not a loadable ES module (a syntax error,
 * a .json file, a script that throws while loading) exits 2 with one message
 * naming the file and the problem, not a stack trace.
 */
import { afterAll, expect, it } from 'vitest';
import { killAll } from '../support/processes.js';
import { removeTempDirs, runGridlink, tempDir, writeConfig } from './helpers.js';

afterAll(async () => {
  await killAll();
  removeTempDirs();
});

it('gridlink run <a .js file that does not load> exits 2 naming the file, without a stack trace', async () => {
  const dir = tempDir('bug-run');
  const file = writeConfig(dir, 'this is not JavaScript\n', 'broken-module.js');
  // --cluster of its own, in case the fix ever let it start: it would meet nobody.
  const result = await runGridlink(['run', file, '--cluster', `bug-run-${process.pid}`], { cwd: dir });
  expect(result.stderr).not.toContain('a bug; please report it');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).toContain(file);
  expect(result.code).toBe(2);
});
