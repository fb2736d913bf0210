/**
 * `gridlink alarms` as the built CLI against the real alarms module (a `gridlink run` process)
 * on a discovery domain of the test: alarms raised by raw events the test publishes are listed
 * with who should act and filtered; ack, shelve and unshelve change them (and their AlarmErrorReply
 * is a clear message and exit code 1); events reads the raw log of a span; state adds them up;
 * watch prints a notification as it comes; bad input is exit code 2 and no module exit code 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEvent, type Alarm, type RawEventKind, type Severity, type Audience } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { domainFlags, removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { newDomain } from '../storage/helpers.js';
import { AlarmsListener, startAlarms, untilSubscribed } from '../alarms-module/helpers.js';
import { assertCliBuilt, jsonLines, runCli, startCli } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let listener: AlarmsListener;

function raw(key: string, kind: RawEventKind, options: { severity?: Severity; audience?: Audience; group?: string; value?: number } = {}): RawEvent {
  return {
    key,
    kind,
    severity: options.severity ?? 'Major',
    audience: options.audience ?? 'FieldEngineer',
    category: options.audience === 'Administrator' ? 'link' : 'grid',
    source: key,
    group: options.group ?? 'feeder:F1',
    message: `${key} ${kind}`,
    value: options.value ?? 0,
    hasValue: options.value !== undefined,
    atMs: Date.now(),
  };
}

function publish(event: RawEvent): void {
  peer.bus.publish('alarms/raw', RawEvent, event);
}

function alarms(...args: string[]) {
  return runCli(['alarms', ...args, ...domainFlags(domain)]);
}

async function listJson(...args: string[]): Promise<Alarm[]> {
  const result = await alarms('list', '--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Alarm[];
}

beforeAll(async () => {
  assertCliBuilt();
  domain = await newDomain('cli-alarms');
  peer = await TestPeer.start(domain);
  listener = new AlarmsListener(peer);
  await startAlarms(peer, domain, { flood: { graceMs: 0, maxPerGroup: 100 }, persistDelayMs: 50, stateIntervalMs: 500 });
  await untilSubscribed(() => publish(raw('dp:F1/u:u-band', 'Raise', { value: 262 })), () => listener.changes.some((c) => c.alarm.key === 'dp:F1/u:u-band'), 'alarms/raw');
  publish(raw('dp:F1/i:i-max', 'Raise', { severity: 'Minor', value: 410 }));
  publish(raw('link:gw/rtu-1:down', 'Raise', { audience: 'Administrator', group: 'link:rtu-1' }));
  publish(raw('dp:F2/u:u-band', 'Raise', { group: 'feeder:F2', value: 199 }));
  publish(raw('dp:F2/u:u-band', 'Clear', { group: 'feeder:F2', value: 230 }));
  await listener.waitAlarm('dp:F2/u:u-band', (a) => a.state === 'Cleared', 'the cleared F2 alarm');
  await listener.waitAlarm('link:gw/rtu-1:down', (a) => a.state === 'Raised', 'the link alarm');
  await listener.waitAlarm('dp:F1/i:i-max', (a) => a.state === 'Raised', 'the current alarm');
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('gridlink alarms', () => {
  it('list shows the alarms that are not cleared with state, severity, who acts, count, since; filters narrow it', async () => {
    const text = await alarms('list');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^KEY\s+STATE\s+SEVERITY\s+WHO ACTS\s+COUNT\s+SINCE\s+WORK ORDER\s+MESSAGE/);
    expect(text.stdout).toMatch(/dp:F1\/u:u-band\s+Raised\s+Major\s+field engineer\s+\d+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+-/);
    expect(text.stdout).toMatch(/link:gw\/rtu-1:down\s+Raised\s+Major\s+administrator\s+1\s/);
    expect(text.stdout).not.toContain('dp:F2/u:u-band');
    expect(text.stdout).toContain('3 alarms');

    expect((await listJson()).map((a) => a.key).sort()).toEqual(['dp:F1/i:i-max', 'dp:F1/u:u-band', 'link:gw/rtu-1:down']);
    expect((await listJson('--audience', 'administrator')).map((a) => a.key)).toEqual(['link:gw/rtu-1:down']);
    expect((await listJson('--prefix', 'dp:F1/', '--audience', 'field-engineer')).map((a) => a.key).sort()).toEqual(['dp:F1/i:i-max', 'dp:F1/u:u-band']);
    expect((await listJson('--state', 'cleared')).map((a) => a.key)).toEqual(['dp:F2/u:u-band']);
    expect(await listJson('--state', 'all')).toHaveLength(4);
  });

  it('ack acknowledges with who and why; a second ack and an unknown key are error replies with exit code 1', async () => {
    const acked = await alarms('ack', 'dp:F1/u:u-band', '--by', 'anna', '--comment', 'crew on the way');
    expect(acked.code, acked.stderr).toBe(0);
    expect(acked.stdout).toContain('dp:F1/u:u-band: Acknowledged by anna ("crew on the way"); Major, field engineer acts');
    const [alarm] = await listJson('--prefix', 'dp:F1/u');
    expect(alarm).toMatchObject({ state: 'Acknowledged', by: 'anna', comment: 'crew on the way', active: true });

    const again = await alarms('ack', 'dp:F1/u:u-band', '--by', 'anna');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^gridlink alarms ack: InvalidState: .*Acknowledged/);
    const unknown = await alarms('ack', 'no:such:alarm', '--by', 'anna');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^gridlink alarms ack: NotFound: .*no:such:alarm/);
    const noBy = await alarms('ack', 'dp:F1/i:i-max');
    expect(noBy.code).toBe(2);
    expect(noBy.stderr).toContain("required option '--by <name>' not specified");
  });

  it('shelve mutes for the duration given; unshelve raises it again while the condition holds', async () => {
    const before = Date.now();
    const shelved = await alarms('shelve', 'dp:F1/i:i-max', '--by', 'bob', '--for', '1h30m', '--comment', 'maintenance', '--json');
    expect(shelved.code, shelved.stderr).toBe(0);
    const alarm = JSON.parse(shelved.stdout) as Alarm;
    expect(alarm).toMatchObject({ state: 'Shelved', by: 'bob', comment: 'maintenance' });
    expect(alarm.shelvedUntilMs).toBeGreaterThanOrEqual(before + 90 * 60_000);
    expect(alarm.shelvedUntilMs).toBeLessThan(Date.now() + 90 * 60_000);
    expect((await listJson('--state', 'shelved')).map((a) => a.key)).toEqual(['dp:F1/i:i-max']);

    const badDuration = await alarms('shelve', 'dp:F1/i:i-max', '--by', 'bob', '--for', 'soon');
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('a duration is like 2h, 30m, 1h30m, 45s or 1d, not "soon"');

    const unshelved = await alarms('unshelve', 'dp:F1/i:i-max', '--by', 'bob');
    expect(unshelved.code, unshelved.stderr).toBe(0);
    expect(unshelved.stdout).toMatch(/^dp:F1\/i:i-max: Raised/);
  });

  it('events reads the raw log of a span, filtered by group, oldest first; an inverted span is exit code 2', async () => {
    const result = await alarms('events', '--from', '-10m', '--json');
    expect(result.code, result.stderr).toBe(0);
    const { events, truncated } = JSON.parse(result.stdout) as { events: RawEvent[]; truncated: boolean };
    expect(truncated).toBe(false);
    const f2 = events.filter((e) => e.key === 'dp:F2/u:u-band');
    expect(f2.map((e) => [e.kind, e.value])).toEqual([['Raise', 199], ['Clear', 230]]);
    expect(events.map((e) => e.atMs)).toEqual([...events.map((e) => e.atMs)].sort((a, b) => a - b));

    const group = await alarms('events', '--from', '-10m', '--group', 'feeder:F2');
    expect(group.code, group.stderr).toBe(0);
    expect(group.stdout).toMatch(/^TIME\s+KIND\s+SEVERITY\s+KEY\s+GROUP\s+VALUE\s+MESSAGE/);
    expect(group.stdout).toMatch(/Raise\s+Major\s+dp:F2\/u:u-band\s+feeder:F2\s+199/);
    expect(group.stdout).toContain('2 raw events from');
    expect(group.stdout).not.toContain('dp:F1/');

    const inverted = await alarms('events', '--from', 'now', '--to', '-1h');
    expect(inverted.code).toBe(2);
    expect(inverted.stderr).toMatch(/--from \(.*\) is after --to/);
  });

  it('state adds the active alarms up per audience and group', async () => {
    const result = await alarms('state', '--json');
    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(result.stdout) as { active: number; unacknowledged: number; administrator: number; fieldEngineer: number; worst: Severity; groups: { group: string; active: number }[] };
    expect(state).toMatchObject({ active: 3, unacknowledged: 2, administrator: 1, fieldEngineer: 2, worst: 'Major' });
    expect(state.groups.find((g) => g.group === 'feeder:F1')?.active).toBe(2);
    const text = await alarms('state');
    expect(text.stdout).toContain('3 active alarms (2 unacknowledged): 1 for the administrator, 2 for the field engineer; worst Major');
    expect(text.stdout).toMatch(/link:rtu-1\s+1\s+1\s+Major\s+no/);
  });

  it('watch prints the notifications people get as they come', async () => {
    const watch = startCli(['alarms', 'watch', '--json', '--count', '1', ...domainFlags(domain)]);
    // Its subscription reaches the module's publisher a moment after it joins: raise new alarms until one is printed.
    let n = 0;
    const exited = watch.done.then(() => true);
    while (!(await Promise.race([exited, new Promise<false>((resolve) => setTimeout(() => resolve(false), 300))]))) {
      publish(raw(`dev:watch-${++n}:door`, 'Raise', { group: `watch:${n}`, severity: 'Minor' }));
      if (n > 60) {
        watch.child.kill('SIGKILL');
        throw new Error(`alarms watch printed no notification in 18 s; stderr: ${(await watch.done).stderr}`);
      }
    }
    const result = await watch.done;
    expect(result.code, result.stderr).toBe(0);
    const [notification] = jsonLines(result.stdout) as { kind: string; alarm: Alarm; text: string }[];
    expect(notification.kind).toBe('Alarm');
    expect(notification.alarm.key).toMatch(/^dev:watch-\d+:door$/);
    expect(notification.text).toContain(notification.alarm.key);
  });

  it('without an alarms module on the bus: exit code 1 saying so', async () => {
    const empty = await newDomain('cli-alarms-empty');
    const result = await runCli(['alarms', 'state', '--discover-ms', '300', ...domainFlags(empty)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no alarms module (role "alarms")');
  });
});
