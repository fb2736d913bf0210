// The one-line texts people read: alarm messages made by the rules and the texts of operator
// notifications (XMPP, dashboard). Kept in one place so their wording stays consistent and a
// translation or a change of tone touches one file.

import type { Alarm, Severity } from './api.js';

/** Numbers as people read them: at most 4 significant digits after the point, no exponent for usual values. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toPrecision(4);
  return String(Number(value.toFixed(abs >= 100 ? 1 : abs >= 1 ? 2 : 4)));
}

/** Fills {dataPoint}, {value} and {limit} into a rule's message template. */
export function fillTemplate(template: string, dataPoint: string, value: number, limit: number): string {
  return template
    .replaceAll('{dataPoint}', dataPoint)
    .replaceAll('{value}', formatValue(value))
    .replaceAll('{limit}', formatValue(limit));
}

/** Default messages of the data point rules (when a rule has no `message`). */
export const ruleMessages = {
  high: (dataPoint: string, value: number, limit: number): string => `${dataPoint} above ${formatValue(limit)} (${formatValue(value)})`,
  low: (dataPoint: string, value: number, limit: number): string => `${dataPoint} below ${formatValue(limit)} (${formatValue(value)})`,
  rate: (dataPoint: string, perSecond: number, limit: number): string =>
    `${dataPoint} changes faster than ${formatValue(limit)}/s (${formatValue(perSecond)}/s)`,
  stale: (dataPoint: string, silentMs: number): string => `${dataPoint}: no valid value for ${formatDuration(silentMs)}`,
  normal: (dataPoint: string, value: number): string => `${dataPoint} back to normal (${formatValue(value)})`,
  fresh: (dataPoint: string): string => `${dataPoint} reports again`,
};

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  const min = s / 60;
  if (min < 120) return `${Math.round(min)} min`;
  return `${Number((min / 60).toFixed(1))} h`;
}

function severityTag(severity: Severity): string {
  return severity.toUpperCase();
}

function where(alarm: Alarm): string {
  return alarm.group ? ` [${alarm.group}]` : '';
}

function suppressedNote(suppressed: number): string {
  return suppressed > 0 ? ` (+${suppressed} more on this cause not notified, see the alarm list)` : '';
}

export const notificationTexts = {
  raised: (alarm: Alarm, suppressed: number): string =>
    `${severityTag(alarm.severity)} ${alarm.message || alarm.key}${where(alarm)}${suppressedNote(suppressed)}`,
  occurred: (alarm: Alarm, suppressed: number): string =>
    `${severityTag(alarm.severity)} occurred: ${alarm.message || alarm.key}${where(alarm)}${suppressedNote(suppressed)}`,
  cleared: (alarm: Alarm, suppressed: number): string => `cleared: ${alarm.message || alarm.key}${where(alarm)}${suppressedNote(suppressed)}`,
  storm: (group: string, alarmsRaised: number, rawEvents: number, durationMs: number, worst: Alarm | undefined): string =>
    `STORM on ${group}: ${alarmsRaised} alarms raised, ${rawEvents} raw events in ${formatDuration(durationMs)}` +
    (worst ? `; worst ${worst.severity}: ${worst.message || worst.key}` : '') +
    '; single notifications for this cause are paused',
  stormOver: (group: string, alarmsRaised: number, rawEvents: number, durationMs: number, stillActive: number): string =>
    `storm over on ${group}: ${alarmsRaised} alarms raised, ${rawEvents} raw events in ${formatDuration(durationMs)}; ${stillActive} still active`,
  started: (active: number, groups: number, worst: Alarm | undefined): string =>
    active === 0
      ? 'alarms started: nothing active'
      : `alarms started: ${active} active in ${groups} group${groups === 1 ? '' : 's'}` +
        (worst ? `; worst ${worst.severity}: ${worst.message || worst.key}` : ''),
};
