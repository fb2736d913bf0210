// The system's own conditions as RawEvents: modules down, restart storms, storage backlog, links
// down. Pure: what arrives (a SupervisorEvent, a registry leave, a StorageStatus, a LinkEvent) and
// the settings in, raw events out; the little state the conditions need (restarts per child,
// which storage conditions hold) lives in the two small classes below, with the time passed in.
// Every alarm made here is for the Administrator. Keys and groups are listed in ./README.md.

import type { LinkEvent, RawEvent, Severity, StorageStatus, SupervisorEvent } from '../../schemas/generated/messages.js';

export interface SystemAlarmSettings {
  readonly moduleDown: { readonly severity: Severity };
  /** A storm: more than `restarts` Restarted events of one child within `windowMs`; cleared after `windowMs` without one. */
  readonly restartStorm: { readonly restarts: number; readonly windowMs: number; readonly severity: Severity };
  /** Thresholds of a storage module's StorageStatus; 0 switches a condition off. */
  readonly storage: {
    readonly maxUnsealedEntries: number;
    readonly maxRemoteBacklogFiles: number;
    /** Raised when free / total bytes of the data folder's file system drops below this share. */
    readonly minDiskFreeShare: number;
    readonly severity: Severity;
  };
  /** A link must stay Down for downDelayMs before it is raised (an Up within it cancels the raise). */
  readonly link: { readonly severity: Severity; readonly downDelayMs: number };
}

/** Keys of system alarms; the README lists them for people. */
export const systemKeys = {
  moduleDown: (host: string, module: string): string => `module:${host}/${module}:down`,
  restartStorm: (host: string, child: string): string => `restarts:${host}/${child}:storm`,
  storage: (host: string, condition: StorageCondition): string => `storage:${host}:${condition}`,
  linkDown: (gateway: string, link: string): string => `link:${gateway}/${link}:down`,
} as const;

export const hostGroup = (host: string): string => `host:${host}`;
export const linkGroup = (gateway: string, link: string): string => `link:${gateway}/${link}`;

function systemEvent(fields: Pick<RawEvent, 'key' | 'kind' | 'severity' | 'category' | 'source' | 'group' | 'message' | 'atMs'> & { value?: number }): RawEvent {
  return {
    key: fields.key,
    kind: fields.kind,
    severity: fields.severity,
    audience: 'Administrator',
    category: fields.category,
    source: fields.source,
    group: fields.group,
    message: fields.message,
    value: fields.value ?? 0,
    hasValue: fields.value !== undefined,
    atMs: fields.atMs,
  };
}

// ------------------------------------------------------------------ modules down

export function moduleDownEvent(host: string, module: string, why: string, atMs: number, settings: SystemAlarmSettings): RawEvent {
  return systemEvent({
    key: systemKeys.moduleDown(host, module),
    kind: 'Raise',
    severity: settings.moduleDown.severity,
    category: 'module',
    source: `${host}/${module}`,
    group: hostGroup(host),
    message: `module ${module} on ${host} is down: ${why}`,
    atMs,
  });
}

export function moduleBackEvent(host: string, module: string, atMs: number, settings: SystemAlarmSettings): RawEvent {
  return systemEvent({
    key: systemKeys.moduleDown(host, module),
    kind: 'Clear',
    severity: settings.moduleDown.severity,
    category: 'module',
    source: `${host}/${module}`,
    group: hostGroup(host),
    message: `module ${module} on ${host} is back`,
    atMs,
  });
}

/**
 * Whether a registry leave is a module stopping on purpose. A stopping module declares the state
 * `stopping` and then sends Leave with its reason ("left: <reason>") and a leaving beacon ("left
 * (beacon)"; UDP may overtake the state change). A module that escalates leaves with "escalated";
 * anything else ("gone: process ... ended: SIGKILL" from its supervisor, "process N is gone",
 * "expired after ...") is a death.
 */
export function isGracefulLeave(state: string, reason: string): boolean {
  if (state === 'stopping') return true;
  if (reason === 'left (beacon)') return true;
  return reason.startsWith('left: ') && !/^left: (escalated|start failed)/.test(reason);
}

/** A registry leave: module down unless it stopped on purpose. */
export function fromRegistryLeave(record: { readonly host: string; readonly name: string; readonly state: string }, reason: string, atMs: number, settings: SystemAlarmSettings): RawEvent | undefined {
  if (isGracefulLeave(record.state, reason)) return undefined;
  return moduleDownEvent(record.host, record.name, `left the bus (${reason})`, atMs, settings);
}

/** The last segment of a supervision path ("root/grid/grm" -> "grm"). */
export function childName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

// ------------------------------------------------------------------ supervisors

/** Restarted events per child within a sliding window; which children are in a storm. */
export class RestartStorms {
  private readonly restarts = new Map<string, number[]>();
  /** Children whose storm alarm is raised: key -> the child's host and path. */
  private readonly raised = new Map<string, { host: string; child: string; lastMs: number }>();

  constructor(private settings: SystemAlarmSettings) {}

  configure(settings: SystemAlarmSettings): void {
    this.settings = settings;
  }

  /** One restart of a child: a Raise when it makes more than the allowed number within the window. */
  restarted(host: string, child: string, atMs: number, why: string): RawEvent | undefined {
    const { restarts: allowed, windowMs, severity } = this.settings.restartStorm;
    const id = `${host}\u0000${child}`;
    const times = (this.restarts.get(id) ?? []).filter((t) => t > atMs - windowMs);
    times.push(atMs);
    this.restarts.set(id, times);
    if (allowed <= 0 || times.length <= allowed) return undefined;
    const key = systemKeys.restartStorm(host, child);
    this.raised.set(key, { host, child, lastMs: atMs });
    return systemEvent({
      key,
      kind: 'Raise',
      severity,
      category: 'module',
      source: `${host}/${child}`,
      group: hostGroup(host),
      message: `${child} on ${host} restarted ${times.length} times within ${Math.round(windowMs / 1000)} s (last: ${why})`,
      value: times.length,
      atMs,
    });
  }

  /** A supervisor gave up (restart intensity exceeded): Critical, cleared like a storm. */
  escalated(host: string, supervisor: string, atMs: number, why: string): RawEvent {
    const key = systemKeys.restartStorm(host, supervisor);
    this.raised.set(key, { host, child: supervisor, lastMs: atMs });
    return systemEvent({
      key,
      kind: 'Raise',
      severity: 'Critical',
      category: 'module',
      source: `${host}/${supervisor}`,
      group: hostGroup(host),
      message: `supervisor ${supervisor} on ${host} escalated: ${why}`,
      atMs,
    });
  }

  /** Clears for the storms without a restart for a whole window. */
  quiet(nowMs: number): RawEvent[] {
    const { windowMs, severity } = this.settings.restartStorm;
    const cleared: RawEvent[] = [];
    for (const [key, storm] of this.raised) {
      if (nowMs - storm.lastMs < windowMs) continue;
      this.raised.delete(key);
      this.restarts.delete(`${storm.host}\u0000${storm.child}`);
      cleared.push(
        systemEvent({
          key,
          kind: 'Clear',
          severity,
          category: 'module',
          source: `${storm.host}/${storm.child}`,
          group: hostGroup(storm.host),
          message: `${storm.child} on ${storm.host}: no restart for ${Math.round(windowMs / 1000)} s`,
          atMs: nowMs,
        }),
      );
    }
    // Children that restarted a few times and then settled: forget them.
    for (const [id, times] of this.restarts) if (times[times.length - 1]! <= nowMs - windowMs) this.restarts.delete(id);
    return cleared;
  }
}

/**
 * A SupervisorEvent: Exited with a failure -> module down (named `module` when the caller knows
 * which bus module the pid was, else the child's name); Stopped (on purpose) -> module down
 * cleared (the caller passes it on only when that alarm is active); Restarted -> storm counting;
 * Escalated -> Critical. Everything else says nothing about alarms.
 */
export function fromSupervisorEvent(event: SupervisorEvent, module: string | undefined, storms: RestartStorms, settings: SystemAlarmSettings): RawEvent[] {
  const host = event.host ?? '';
  const child = event.child ?? '';
  switch (event.kind) {
    case 'Exited': {
      const failed = event.exitCode !== 0 || (event.signal ?? '') !== '';
      if (!failed) return [];
      return [moduleDownEvent(host, module ?? childName(child), `${child} exited (${event.message || (event.signal ? event.signal : `exit code ${event.exitCode}`)})`, event.atMs, settings)];
    }
    case 'Stopped': {
      const name = module ?? childName(child);
      return [{ ...moduleBackEvent(host, name, event.atMs, settings), message: `module ${name} on ${host} was stopped on purpose (${child})` }];
    }
    case 'Restarted': {
      const raised = storms.restarted(host, child, event.atMs, event.message ?? '');
      return raised ? [raised] : [];
    }
    case 'Escalated':
      return [storms.escalated(host, child, event.atMs, event.message ?? '')];
    default:
      return [];
  }
}

// ------------------------------------------------------------------ storage

export type StorageCondition = 'unsealed' | 'remote-backlog' | 'disk-free';

/** Which storage conditions hold per host, so a status every few seconds yields transitions only. */
export class StorageBacklog {
  private readonly holding = new Set<string>();

  evaluate(status: StorageStatus, settings: SystemAlarmSettings): RawEvent[] {
    const host = status.host ?? '';
    const limits = settings.storage;
    const share = status.diskTotalBytes > 0 && status.diskFreeBytes >= 0 ? status.diskFreeBytes / status.diskTotalBytes : Number.NaN;
    const checks: { condition: StorageCondition; on: boolean; holds: boolean; value: number; text: string }[] = [
      {
        condition: 'unsealed',
        on: limits.maxUnsealedEntries > 0,
        holds: status.unsealedEntries > limits.maxUnsealedEntries,
        value: status.unsealedEntries,
        text: `${status.unsealedEntries} entries not yet sealed (limit ${limits.maxUnsealedEntries})`,
      },
      {
        condition: 'remote-backlog',
        on: limits.maxRemoteBacklogFiles > 0,
        holds: status.remoteBacklogFiles > limits.maxRemoteBacklogFiles,
        value: status.remoteBacklogFiles,
        text: `${status.remoteBacklogFiles} files waiting for the remote tier (limit ${limits.maxRemoteBacklogFiles})`,
      },
      {
        condition: 'disk-free',
        on: limits.minDiskFreeShare > 0 && !Number.isNaN(share),
        holds: share < limits.minDiskFreeShare,
        value: share,
        text: `${(share * 100).toFixed(1)} % of the data disk free (minimum ${(limits.minDiskFreeShare * 100).toFixed(1)} %)`,
      },
    ];
    const events: RawEvent[] = [];
    for (const check of checks) {
      const key = systemKeys.storage(host, check.condition);
      const was = this.holding.has(key);
      const now = check.on && check.holds;
      if (now === was) continue;
      if (now) this.holding.add(key);
      else this.holding.delete(key);
      events.push(
        systemEvent({
          key,
          kind: now ? 'Raise' : 'Clear',
          severity: limits.severity,
          category: 'storage',
          source: `${host}/storage`,
          group: hostGroup(host),
          message: now ? `storage on ${host}: ${check.text}` : `storage on ${host}: back within limits (${check.text})`,
          value: Number.isFinite(check.value) ? check.value : 0,
          atMs: status.atMs,
        }),
      );
    }
    return events;
  }
}

// ------------------------------------------------------------------ links

/** Down raises `link:<gateway>/<link>:down`; Up and Stopped (disabled on purpose) clear it; Connecting says nothing new. */
export function fromLinkEvent(event: LinkEvent, atMs: number, settings: SystemAlarmSettings): RawEvent | undefined {
  const info = event.link;
  const gateway = info.gateway ?? '';
  const link = info.link ?? '';
  if (info.state === 'Connecting') return undefined;
  const down = info.state === 'Down';
  const peer = info.peer ? ` (${info.peer})` : '';
  return systemEvent({
    key: systemKeys.linkDown(gateway, link),
    kind: down ? 'Raise' : 'Clear',
    severity: settings.link.severity,
    category: 'link',
    source: `${gateway}/${link}`,
    group: linkGroup(gateway, link),
    message: down
      ? `link ${link}${peer} of ${gateway} is down${info.message ? `: ${info.message}` : ''}`
      : `link ${link}${peer} of ${gateway} is ${info.state === 'Up' ? 'up again' : 'stopped'}`,
    atMs: info.sinceMs > 0 ? info.sinceMs : atMs,
  });
}
