// Alarms and notifications of the alarms module (schemas/alarms.fbs) as the web app gets them.

import type { Alarm, OperatorNotification } from '../../../schemas/generated/messages.js';
import type { AlarmView, LiveMessage } from '../api.js';

export function alarmView(alarm: Alarm): AlarmView {
  const view: AlarmView = {
    key: alarm.key,
    state: alarm.state,
    severity: alarm.severity,
    audience: alarm.audience,
    category: alarm.category ?? '',
    source: alarm.source ?? '',
    group: alarm.group ?? '',
    message: alarm.message ?? '',
    raisedAtMs: alarm.raisedAtMs,
    updatedAtMs: alarm.updatedAtMs,
    count: alarm.count,
    by: alarm.by ?? '',
    comment: alarm.comment ?? '',
    shelvedUntilMs: alarm.shelvedUntilMs,
    active: alarm.active,
    workOrderId: alarm.workOrderId ?? '',
  };
  if (alarm.hasValue) view.value = alarm.value;
  return view;
}

export type NotificationMessage = Extract<LiveMessage, { type: 'notification' }>;

export function notificationMessage(notification: OperatorNotification): NotificationMessage {
  const alarm = notification.alarm;
  const text = notification.text || (alarm ? `${alarm.severity} ${alarm.state}: ${alarm.message ?? alarm.key}` : '');
  return { type: 'notification', kind: notification.kind, group: notification.group || alarm?.group || '', text, atMs: notification.atMs };
}

/** The last notifications seen (storm summaries included), oldest first. */
export class NotificationLog {
  private readonly items: NotificationMessage[] = [];

  constructor(private readonly keep: number) {}

  add(message: NotificationMessage): void {
    this.items.push(message);
    if (this.items.length > this.keep) this.items.splice(0, this.items.length - this.keep);
  }

  list(): NotificationMessage[] {
    return [...this.items];
  }
}
