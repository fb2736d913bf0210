/**
 * The storage module's settings: defaults, derived paths, and the refusal of bad values, both
 * as the parser sees them and as a start of the module process with a broken configuration.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStorageSettings, StorageSettingsError } from '../../actors/storage/settings.js';
import { removeTempDirs, runGridlink, tempDir, writeConfig } from '../actor/helpers.js';
import { STORAGE_MODULE } from './helpers.js';

afterAll(() => removeTempDirs());

describe('parseStorageSettings', () => {
  it('fills in the defaults: data under <stateDir>/storacle, exports under <dataDir>/exports, durable acks', () => {
    const settings = parseStorageSettings({}, '/var/lib/gridlink/state');
    expect(settings).toMatchObject({
      dataDir: '/var/lib/gridlink/state/storacle',
      exportDir: '/var/lib/gridlink/state/storacle/exports',
      ack: 'durable',
      checkpointIntervalMs: 60_000,
      measurementTopics: ['measurements'],
      maxEntriesPerReply: 100_000,
    });
    expect(parseStorageSettings({ dataDir: 'rel/data' }).dataDir).toBe(resolve('rel/data'));
    const memory = parseStorageSettings({ inMemory: true }, '/s');
    expect(memory.dataDir).toBeUndefined();
    expect(memory.exportDir).toBe('/s/exports');
    expect(parseStorageSettings({ exportDir: '/x/e', ack: 'processSafe', retention: { maxAgeMs: 1000 } }, '/s')).toMatchObject({ exportDir: '/x/e', ack: 'processSafe', retention: { maxAgeMs: 1000 } });
  });

  it('names every bad setting in one error', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ dataDri: '/x' }, /unknown setting "dataDri"/],
      [{ ack: 'sometimes' }, /"ack" must be one of visible, processSafe, durable/],
      [{ inMemory: true, dataDir: '/x' }, /exclude each other/],
      [{ maxEntriesPerReply: 0 }, /"maxEntriesPerReply" must be an integer from 1/],
      [{ chunkSize: 1.5 }, /"chunkSize" must be an integer/],
      [{ measurementTopics: 'measurements' }, /must be a list/],
      [{ measurementTopics: ['storage/events'] }, /own event topics/],
      [{ retention: { maxAge: 5 } }, /unknown key "maxAge"/],
      [{ checkpointIntervalMs: 5 }, /at least 100/],
      [{ dataDir: '' }, /"dataDir" must be a non-empty path/],
    ];
    for (const [raw, message] of bad) expect(() => parseStorageSettings(raw, '/s'), JSON.stringify(raw)).toThrowError(message);
    expect(() => parseStorageSettings({ ack: 'x', chunkSize: -1 })).toThrowError(StorageSettingsError);
    expect(() => parseStorageSettings({ ack: 'x', chunkSize: -1 })).toThrowError(/"ack".*; "chunkSize"/);
  });
});

describe('the module with a bad configuration', () => {
  it('does not start, and says which setting is wrong', async () => {
    const dir = tempDir('storage-badconfig');
    const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { ack: 'eventually' } });
    const run = await runGridlink(['run', STORAGE_MODULE, '--config', config, '--port', '1', '--cluster', 'storage-badconfig'], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/"ack" must be one of visible, processSafe, durable, got "eventually"/);
  });

  it('does not start when its data folder cannot be opened, and says why', async () => {
    const dir = tempDir('storage-baddata');
    // A file where the data folder should be.
    writeFileSync(join(dir, 'data'), 'not a folder');
    const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { dataDir: join(dir, 'data') } });
    const run = await runGridlink(['run', STORAGE_MODULE, '--config', config, '--port', '1', '--cluster', 'storage-baddata'], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/cannot start storage: .*(ENOTDIR|EEXIST|not a directory|file already exists)/i);
  });
});
