/**
 * The system sources as pure functions (actors/alarms/system-sources.ts) and the module's
 * settings checks: which registry leaves are deaths, restart storms per child within their window
 * and their clearing, escalation as Critical, storage conditions as transitions only, link states,
 * rule alarms restored after a restart cleared by the rule's own terms, and settings mistakes
 * named in one message.
 */
import { describe, expect, it } from 'vitest';
import { RestoredRuleAlarms } from '../../actors/alarms/restored-rule-alarms.js';
import { AlarmsSettingsError, parseAlarmsSettings } from '../../actors/alarms/settings.js';
import type { DataPointRule } from '../../core/alarms/api.js';
import { fromLinkEvent, fromRegistryLeave, fromSupervisorEvent, isGracefulLeave, RestartStorms, StorageBacklog, type SystemAlarmSettings } from '../../actors/alarms/system-sources.js';
import type { Alarm, LinkState, RawEvent, StorageStatus, SupervisorEvent } from '../../schemas/generated/messages.js';

const settings: SystemAlarmSettings = {
  moduleDown: { severity: 'Major' },
  restartStorm: { restarts: 2, windowMs: 10_000, severity: 'Major' },
  storage: { maxUnsealedEntries: 1000, maxRemoteBacklogFiles: 5, minDiskFreeShare: 0.1, severity: 'Minor' },
  link: { severity: 'Major', downDelayMs: 0 },
};

function supervisorEvent(kind: SupervisorEvent['kind'], atMs: number, fields: Partial<SupervisorEvent> = {}): SupervisorEvent {
  return { host: 'host-a', kind, child: 'root/grid/grm', pid: 4242, exitCode: -1, signal: '', message: '', atMs, ...fields };
}

describe('registry leaves', () => {
  it('tells a stop on purpose from a death', () => {
    expect(isGracefulLeave('stopping', 'gone: process 1 ended: SIGKILL')).toBe(true);
    expect(isGracefulLeave('running', 'left: SIGTERM')).toBe(true);
    expect(isGracefulLeave('running', 'left (beacon)')).toBe(true);
    expect(isGracefulLeave('running', 'left: escalated')).toBe(false);
    expect(isGracefulLeave('running', 'gone: process 17 ended: SIGKILL')).toBe(false);
    expect(isGracefulLeave('running', 'process 17 is gone')).toBe(false);
    expect(isGracefulLeave('running', 'expired after 10012 ms of silence')).toBe(false);
  });

  it('raises module-down for the administrator on a death only', () => {
    expect(fromRegistryLeave({ host: 'host-a', name: 'grm', state: 'running' }, 'left: shutdown request', 5, settings)).toBeUndefined();
    const event = fromRegistryLeave({ host: 'host-a', name: 'grm', state: 'running' }, 'gone: process 17 ended: SIGKILL', 5, settings)!;
    expect(event).toMatchObject({ key: 'module:host-a/grm:down', kind: 'Raise', severity: 'Major', audience: 'Administrator', category: 'module', group: 'host:host-a', source: 'host-a/grm', atMs: 5 });
    expect(event.message).toContain('SIGKILL');
  });
});

describe('supervisor events', () => {
  it('an Exited with a failure is module-down (named by the bus module when known), a normal end is not', () => {
    const storms = new RestartStorms(settings);
    const [down] = fromSupervisorEvent(supervisorEvent('Exited', 1, { signal: 'SIGKILL' }), 'grm', storms, settings);
    expect(down).toMatchObject({ key: 'module:host-a/grm:down', kind: 'Raise' });
    const [byChild] = fromSupervisorEvent(supervisorEvent('Exited', 1, { exitCode: 70 }), undefined, storms, settings);
    expect(byChild!.key).toBe('module:host-a/grm:down');
    expect(byChild!.message).toContain('exit code 70');
    expect(fromSupervisorEvent(supervisorEvent('Exited', 1, { exitCode: 0 }), 'grm', storms, settings)).toEqual([]);
    const [stopped] = fromSupervisorEvent(supervisorEvent('Stopped', 2), 'grm', storms, settings);
    expect(stopped).toMatchObject({ key: 'module:host-a/grm:down', kind: 'Clear' });
  });

  it('counts restarts per child within the window: more than allowed is a storm, cleared after a quiet window', () => {
    const storms = new RestartStorms(settings);
    const restarted = (child: string, atMs: number) => fromSupervisorEvent(supervisorEvent('Restarted', atMs, { child }), undefined, storms, settings);
    expect(restarted('root/a', 0)).toEqual([]);
    expect(restarted('root/a', 1000)).toEqual([]);
    // Another child's restarts do not count for this one.
    expect(restarted('root/b', 1500)).toEqual([]);
    const [storm] = restarted('root/a', 2000);
    expect(storm).toMatchObject({ key: 'restarts:host-a/root/a:storm', kind: 'Raise', severity: 'Major', audience: 'Administrator', value: 3 });
    expect(storm!.message).toContain('restarted 3 times within 10 s');
    expect(storms.quiet(11_999)).toEqual([]);
    const [cleared] = storms.quiet(12_000);
    expect(cleared).toMatchObject({ key: 'restarts:host-a/root/a:storm', kind: 'Clear', atMs: 12_000 });
    expect(storms.quiet(30_000)).toEqual([]);
    // Restarts spread wider than the window never make a storm.
    for (let t = 100_000; t < 200_000; t += 6000) expect(restarted('root/c', t)).toEqual([]);
  });

  it('an escalation is Critical', () => {
    const storms = new RestartStorms(settings);
    const [escalated] = fromSupervisorEvent(supervisorEvent('Escalated', 7, { child: 'root/grid', message: 'more than 3 restarts within 5000 ms' }), undefined, storms, settings);
    expect(escalated).toMatchObject({ key: 'restarts:host-a/root/grid:storm', kind: 'Raise', severity: 'Critical' });
    expect(escalated!.message).toContain('more than 3 restarts');
  });
});

describe('storage status', () => {
  const status = (fields: Partial<StorageStatus>, atMs: number): StorageStatus => ({ host: 'host-s', unsealedEntries: 0, walBytes: 0, remoteBacklogFiles: 0, diskFreeBytes: 50, diskTotalBytes: 100, refusedEntries: 0, atMs, ...fields });

  it('reports transitions only, one key per condition', () => {
    const backlog = new StorageBacklog();
    expect(backlog.evaluate(status({}, 1), settings)).toEqual([]);
    const raised = backlog.evaluate(status({ unsealedEntries: 5000, remoteBacklogFiles: 9, diskFreeBytes: 5 }, 2), settings);
    expect(raised.map((e) => `${e.key} ${e.kind}`)).toEqual(['storage:host-s:unsealed Raise', 'storage:host-s:remote-backlog Raise', 'storage:host-s:disk-free Raise']);
    expect(raised.every((e) => e.audience === 'Administrator' && e.group === 'host:host-s' && e.severity === 'Minor')).toBe(true);
    expect(raised[2]!.value).toBeCloseTo(0.05);
    expect(backlog.evaluate(status({ unsealedEntries: 6000, remoteBacklogFiles: 9, diskFreeBytes: 5 }, 3), settings)).toEqual([]);
    const cleared = backlog.evaluate(status({ remoteBacklogFiles: 9 }, 4), settings);
    expect(cleared.map((e) => `${e.key} ${e.kind}`)).toEqual(['storage:host-s:unsealed Clear', 'storage:host-s:disk-free Clear']);
  });

  it('an in-memory store (no disk figures) never raises disk-free; 0 switches a condition off', () => {
    const backlog = new StorageBacklog();
    expect(backlog.evaluate(status({ diskFreeBytes: -1, diskTotalBytes: -1 }, 1), settings)).toEqual([]);
    const off = { ...settings, storage: { ...settings.storage, maxUnsealedEntries: 0 } };
    expect(backlog.evaluate(status({ unsealedEntries: 1e9 }, 2), off)).toEqual([]);
  });
});

describe('links', () => {
  const event = (state: LinkState) => ({ link: { gateway: 'modbus-gateway', link: 'meter-3', protocol: 'modbus', side: 'Field' as const, state, peer: '10.0.0.9:502', message: 'timeout', sinceMs: 99, values: 0, failures: 2 } });

  it('Down raises, Up and Stopped clear, Connecting says nothing', () => {
    expect(fromLinkEvent(event('Down'), 1, settings)).toMatchObject({ key: 'link:modbus-gateway/meter-3:down', kind: 'Raise', group: 'link:modbus-gateway/meter-3', audience: 'Administrator', category: 'link', atMs: 99 });
    expect(fromLinkEvent(event('Up'), 1, settings)).toMatchObject({ key: 'link:modbus-gateway/meter-3:down', kind: 'Clear' });
    expect(fromLinkEvent(event('Stopped'), 1, settings)!.kind).toBe('Clear');
    expect(fromLinkEvent(event('Connecting'), 1, settings)).toBeUndefined();
  });
});

describe('settings', () => {
  it('fills in defaults', () => {
    const parsed = parseAlarmsSettings({}, '/var/lib/gridlink/state');
    expect(parsed.dataDir).toBe('/var/lib/gridlink/state/alarms-events');
    expect(parsed.workOrders).toBeUndefined();
    expect(parsed.xmpp).toBeUndefined();
    expect(parsed.system.restartStorm.restarts).toBe(3);
  });

  it('names every mistake in one message', () => {
    let error: unknown;
    try {
      parseAlarmsSettings(
        {
          tickMs: 0,
          colour: 'red',
          rules: [{ id: 'x', kind: 'threshold', dataPoints: ['a'], severity: 'Major', hysterisis: 1 }],
          workOrders: { url: 'ftp://x', minSeverity: 'Huge', retry: { initialMs: 5000, maxMs: 100 } },
          xmpp: { service: 'xmpp://127.0.0.1:5222', domain: 'd', username: 'u', passwordFile: 'p', to: ['not a jid'] },
          system: { storage: { minDiskFreeShare: 2 } },
        },
        '/tmp/state',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AlarmsSettingsError);
    const message = (error as Error).message;
    expect(message).toContain('"tickMs" must be a number >= 10');
    expect(message).toContain('unknown setting "colour"');
    expect(message).toMatch(/"rules": rule 0 \("x"\).*hysterisis/);
    expect(message).toContain('"workOrders.url" must be an http:// or https:// URL');
    expect(message).toContain('"workOrders.minSeverity" must be one of Info, Warning, Minor, Major, Critical');
    expect(message).toContain('"workOrders.retry.maxMs" (100) must not be below "initialMs" (5000)');
    expect(message).toContain('"xmpp.to" must be a non-empty list of bare JIDs');
    expect(message).toContain('"system.storage.minDiskFreeShare" must be a number >= 0 and <= 1');
  });
});

describe('rule alarms restored after a restart', () => {
  const rules: DataPointRule[] = [
    { id: 'high', kind: 'threshold', dataPoints: ['F1/*'], high: 250, hysteresis: 5, severity: 'Major' },
    { id: 'fast', kind: 'rate', dataPoints: ['F1/mp-2/p'], maxPerSecond: 10, clearAfterMs: 60_000, severity: 'Minor' },
    { id: 'quiet', kind: 'stale', dataPoints: ['F1/mp-3/u'], maxAgeMs: 60_000, severity: 'Minor' },
  ];
  const rulesOf = (dataPoint: string) => rules.filter((r) => r.dataPoints.some((p) => (p.endsWith('*') ? dataPoint.startsWith(p.slice(0, -1)) : p === dataPoint)));
  const alarm = (key: string): Alarm => ({ key, state: 'Acknowledged', severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: '', group: 'feeder:F1', message: '', value: 0, hasValue: false, raisedAtMs: 1, updatedAtMs: 1, count: 1, by: 'op', comment: '', shelvedUntilMs: 0, active: true, workOrderId: '' });

  it('clears each by its rule, keeps the ones still in their band, and those the engine raised again', () => {
    const out: RawEvent[] = [];
    const emit = (event: RawEvent) => out.push(event);
    const restored = new RestoredRuleAlarms(
      [alarm('dp:F1/mp-1/u:high'), alarm('dp:F1/mp-4/u:high'), alarm('dp:F1/mp-2/p:fast'), alarm('dp:F1/mp-3/u:quiet'), alarm('dp:F1/mp-9/u:gone'), { ...alarm('dp:F1/mp-5/u:high'), active: false }],
      rulesOf,
      emit,
      100,
    );
    // A rule no longer configured: cleared at once; an inactive alarm is not watched.
    expect(out.map((e) => `${e.key} ${e.kind}`)).toEqual(['dp:F1/mp-9/u:gone Clear']);
    expect(out[0]!.message).toContain('no longer configured');
    out.length = 0;
    restored.value('F1/mp-1/u', 1000, 247, 0, emit); // inside the hysteresis band: still raised
    restored.value('F1/mp-1/u', 1001, 260, 0x80, emit); // invalid: not compared
    expect(out).toEqual([]);
    restored.value('F1/mp-1/u', 2000, 231, 0, emit);
    expect(out.map((e) => `${e.key} ${e.kind} ${e.value}`)).toEqual(['dp:F1/mp-1/u:high Clear 231']);
    restored.raisedAgain('dp:F1/mp-4/u:high');
    restored.value('F1/mp-4/u', 2000, 200, 0, emit);
    expect(out).toHaveLength(1);
    restored.value('F1/mp-3/u', 3000, 230, 0, emit);
    expect(out.at(-1)).toMatchObject({ key: 'dp:F1/mp-3/u:quiet', kind: 'Clear' });
    restored.value('F1/mp-2/p', 10_000, 5, 0, emit);
    restored.value('F1/mp-2/p', 69_999, 5, 0, emit);
    expect(out).toHaveLength(2);
    restored.value('F1/mp-2/p', 70_000, 5, 0, emit);
    expect(out.at(-1)).toMatchObject({ key: 'dp:F1/mp-2/p:fast', kind: 'Clear' });
    expect(restored.size).toBe(0);
  });
});
