/**
 * A GRM without a topology keeps running and says why: a bad cimFiles path answers NoTopology
 * naming it; ReloadTopology from storage is Unavailable while storage is absent, NotFound for a
 * file it does not hold, and loads the SimBench files once they are stored. A GRM configured with
 * storageFile that starts before storage loads by itself once storage is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetGridProfiles, GetGridTopology, PutTopology, QueryTopology, ReloadTopology, SetSwitchState } from '../../schemas/generated/messages.js';
import { sharedData } from '../support/shared-data.js';
import { killAll } from '../support/processes.js';
import { logLine, removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask as askStorage, newDomain, startStorage } from '../storage/helpers.js';
import { ask, askError, startGridModule, type RunningModule } from './helpers.js';

const CIM = sharedData('simbench_lv_rural1_cim', 'cgmes3_0');
// The bus-branch SimBench model needs its TP file for the nodes; SSH and SV are not needed.
const FILES = readdirSync(CIM).filter((file) => /_(EQ|TP|SSH)_\.xml$/.test(file));
const MISSING = '/nonexistent/gridlink/feeder';

let domain: Domain;
let peer: TestPeer;
let lost: RunningModule;
let waiting: RunningModule;

beforeAll(async () => {
  domain = await newDomain('grm-no-topology');
  peer = await TestPeer.start(domain);
  lost = await startGridModule(peer, domain, 'grm', { cimFiles: MISSING, storageTimeoutMs: 300 });
  waiting = await startGridModule(peer, domain, 'grm', { storageFile: FILES, storageTimeoutMs: 300, retryMs: 300 });
}, 60_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('GRM without a topology', () => {
  it('answers NoTopology naming the bad path, and keeps running', async () => {
    const at = `grm@${lost.id}`;
    const reply = await askError(peer, at, GetGridTopology, { summaryOnly: true });
    expect(reply.code).toBe('NoTopology');
    expect(reply.message).toContain(MISSING);
    await logLine(lost.process, /no topology: the load failed/);
    expect(await askError(peer, at, QueryTopology, { kind: 'Parent', element: 'x' })).toMatchObject({ code: 'NoTopology' });
    expect(await askError(peer, at, SetSwitchState, { switchId: 'x', open: true })).toMatchObject({ code: 'NoTopology' });
    expect(await askError(peer, at, GetGridProfiles, { fromMs: 0, toMs: 60_000, stepMs: 0, maxInterpolateMs: -1, residual: false })).toMatchObject({ code: 'NoTopology' });
    expect((await askError(peer, at, ReloadTopology, {})).message).toContain(MISSING);
    expect(lost.process.child.exitCode).toBeNull();
  });

  it('reloads from storage: Unavailable while it is absent, NotFound for an unknown file, loaded once stored', async () => {
    const at = `grm@${lost.id}`;
    const absent = await askError(peer, at, ReloadTopology, { storageFile: FILES.join(',') });
    expect(absent.code).toBe('Unavailable');
    expect(absent.message).toContain(FILES[0]);

    await startStorage(peer, domain, { inMemory: true });
    for (const file of FILES) await askStorage(peer, PutTopology, { file, content: readFileSync(join(CIM, file)) });
    const loaded = await ask(peer, at, ReloadTopology, { storageFile: FILES.join(',') });
    expect(loaded.source).toBe(`storage:${FILES.join(',')}`);
    expect(loaded.islands).toHaveLength(2);
    expect(loaded.elements).toBeUndefined();
    const version = loaded.version;

    const unknown = await askError(peer, at, ReloadTopology, { storageFile: 'not-stored.xml' });
    expect(unknown).toMatchObject({ code: 'NotFound', subject: 'not-stored.xml' });
    // The failed reload left the loaded topology in place.
    const still = await ask(peer, at, GetGridTopology, { summaryOnly: false });
    expect(still.version).toBe(version);
    expect(still.elements).toHaveLength(71);
  });

  it('loads by itself once storage holds the configured files', async () => {
    const at = `grm@${waiting.id}`;
    // It started before storage: the load failed for want of storage and is tried again every 300 ms.
    await logLine(waiting.process, /no topology: the load failed/);
    const loaded = await until(
      () => waiting.process.stderr.find((line) => line.includes('topology loaded')),
      'the GRM loading from storage by itself',
      15_000,
      waiting.process,
    );
    expect(loaded).toContain(`storage:${FILES.join(',')}`);
    const reply = await ask(peer, at, GetGridTopology, { summaryOnly: true });
    expect(reply.source).toBe(`storage:${FILES.join(',')}`);
    expect(reply.islands).toHaveLength(2);
  });
});
