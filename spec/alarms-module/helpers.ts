/**
 * Support for the spec/alarms-module suites: the alarms module (dist/actors/alarms/module.js) as a
 * real `gridlink run` process on a discovery domain of the test, the test's bus peer asking it and
 * listening to its topics, and its AlarmErrorReply decoded.
 */
import { join } from 'node:path';
import { RecipientFailureError } from '../../core/bus/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { AlarmChanged, AlarmErrorReply, OperatorNotification, SubstationState, type Alarm } from '../../schemas/generated/messages.js';
import { distPath, type LineProcess } from '../support/processes.js';
import { domainFlags, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';

export const ALARMS_MODULE = distPath('actors/alarms/module.js');

export interface RunningAlarms {
  readonly process: LineProcess;
  readonly id: string;
  readonly dir: string;
  readonly configPath: string;
}

/** Starts the alarms module with these settings (stateDir in `dir`, reused across restarts); resolves once `peer` sees it running. */
export async function startAlarms(peer: TestPeer, domain: Domain, settings: Record<string, unknown>, dir = tempDir('alarms')): Promise<RunningAlarms> {
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
  const running = startGridlink(['run', ALARMS_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'alarms' });
  const record = await Promise.race([
    peer.module('alarms', running.pid, 20_000, running),
    running.exited.then(({ code, signal }) => {
      throw new Error(`alarms ended early (${signal ?? `exit code ${code}`}):\n${running.stderr.join('\n')}`);
    }),
  ]);
  return { process: running, id: record.id, dir, configPath };
}

/** Asks role alarms; resolves with the reply. */
export function ask<T, R>(peer: TestPeer, type: RequestType<T, R>, value: T, timeoutMs = 10_000): Promise<R> {
  return peer.bus.request('alarms', type, value, type.reply, { timeoutMs });
}

/** Asks role alarms and expects an AlarmErrorReply; resolves with it decoded. */
export async function askError<T, R>(peer: TestPeer, type: RequestType<T, R>, value: T, timeoutMs = 10_000): Promise<AlarmErrorReply> {
  let reply: R;
  try {
    reply = await ask(peer, type, value, timeoutMs);
  } catch (error) {
    if (error instanceof RecipientFailureError && error.replyType === AlarmErrorReply.name) return AlarmErrorReply.decode(error.replyBody);
    throw error;
  }
  throw new Error(`expected an AlarmErrorReply to ${type.name}, got ${JSON.stringify(reply).slice(0, 300)}`);
}

/** What the test peer hears on the alarms topics. */
export class AlarmsListener {
  readonly changes: AlarmChanged[] = [];
  readonly notifications: OperatorNotification[] = [];
  readonly states: SubstationState[] = [];

  constructor(peer: TestPeer) {
    peer.bus.subscribe('alarms/changes', (delivery) => {
      if (delivery.type === AlarmChanged.name) this.changes.push(AlarmChanged.decode(delivery.body));
    });
    peer.bus.subscribe('alarms/notifications', (delivery) => {
      if (delivery.type === OperatorNotification.name) this.notifications.push(OperatorNotification.decode(delivery.body));
    });
    peer.bus.subscribe('alarms/state', (delivery) => {
      if (delivery.type === SubstationState.name) this.states.push(SubstationState.decode(delivery.body));
    });
  }

  /** The latest published version of an alarm that matches. */
  waitAlarm(key: string, match: (alarm: Alarm) => boolean, what: string, timeoutMs = 10_000): Promise<Alarm> {
    return until(() => [...this.changes].reverse().find((c) => c.alarm.key === key && match(c.alarm))?.alarm, `${what} (${key}) on alarms/changes`, timeoutMs);
  }
}

/**
 * Waits until the module's subscription to `topic` reaches the test peer's publisher: publishes
 * `probe()` every 100 ms until `heard()` says the module acted on one (ZeroMQ drops what is
 * published before a subscriber's connection is up).
 */
export async function untilSubscribed(publish: () => void, heard: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!heard()) {
    if (Date.now() > deadline) throw new Error(`the alarms module did not hear ${what} within ${timeoutMs} ms`);
    publish();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
