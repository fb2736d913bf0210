// The substation's aggregated alarm state (GET /api/alarms/state, SubstationState of
// schemas/alarms.fbs as JSON) and the storm summaries among the operator notifications
// (GET /api/alarms/notifications + live `notification`): what the banner and the alarms page show.
// api.ts gives these two only as "JSON of the schema", so their shapes are read defensively here.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api-client.js';
import { isAbort } from '../api-client.js';
import { useLive, useLiveGeneration, type LiveClient } from '../live.js';

export const SEVERITIES = ['Info', 'Warning', 'Minor', 'Major', 'Critical'] as const;

/** "Major" from "Major", "major" or the schema's number 3. */
export function severityName(value: unknown): string {
  if (typeof value === 'number') return SEVERITIES[value] ?? String(value);
  if (typeof value === 'string') return SEVERITIES.find((s) => s.toLowerCase() === value.toLowerCase()) ?? value;
  return '';
}

/** 0 (Info) .. 4 (Critical), -1 unknown: for sorting. */
export function severityRank(value: unknown): number {
  return SEVERITIES.indexOf(severityName(value) as (typeof SEVERITIES)[number]);
}

export interface GroupState {
  group: string;
  active: number;
  unacknowledged: number;
  worst: string;
  storm: boolean;
}

export interface SubstationState {
  active: number;
  unacknowledged: number;
  administrator: number;
  fieldEngineer: number;
  worst: string;
  storm: boolean;
  groups: GroupState[];
  inGrace: boolean;
  atMs: number;
}

type Loose = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function readSubstationState(raw: unknown): SubstationState {
  const json = (typeof raw === 'object' && raw !== null ? raw : {}) as Loose;
  const groups = Array.isArray(json.groups) ? (json.groups as Loose[]) : [];
  return {
    active: num(json.active),
    unacknowledged: num(json.unacknowledged),
    administrator: num(json.administrator),
    fieldEngineer: num(json.fieldEngineer),
    worst: severityName(json.worst),
    storm: json.storm === true,
    groups: groups.map((g) => ({
      group: String(g.group ?? ''),
      active: num(g.active),
      unacknowledged: num(g.unacknowledged),
      worst: severityName(g.worst),
      storm: g.storm === true,
    })),
    inGrace: json.inGrace === true,
    atMs: num(json.atMs),
  };
}

/** A notification as the page keeps it: from the live message or from the list the backend kept. */
export interface NotificationItem {
  /** "Alarm", "StormSummary", "StormOver". */
  kind: string;
  group: string;
  text: string;
  atMs: number;
}

const NOTIFICATION_KINDS = ['Alarm', 'StormSummary', 'StormOver'];

export function readNotification(raw: unknown): NotificationItem | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const json = raw as Loose;
  const kind = typeof json.kind === 'number' ? (NOTIFICATION_KINDS[json.kind] ?? String(json.kind)) : String(json.kind ?? '');
  return { kind, group: String(json.group ?? ''), text: String(json.text ?? ''), atMs: num(json.atMs ?? json.at_ms) };
}

export function readNotifications(raw: unknown): NotificationItem[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null && Array.isArray((raw as Loose).notifications) ? ((raw as Loose).notifications as unknown[]) : [];
  return list.map(readNotification).filter((n): n is NotificationItem => n !== undefined);
}

const isKind = (item: NotificationItem, kind: string): boolean => item.kind.toLowerCase() === kind.toLowerCase();

/** The storms still going on: per group, the last summary not followed by a StormOver. */
export function activeStorms(notifications: NotificationItem[]): NotificationItem[] {
  const last = new Map<string, NotificationItem>();
  for (const item of [...notifications].sort((a, b) => a.atMs - b.atMs)) {
    if (isKind(item, 'StormSummary')) last.set(item.group, item);
    else if (isKind(item, 'StormOver')) last.delete(item.group);
  }
  return [...last.values()].sort((a, b) => b.atMs - a.atMs);
}

export interface Loaded<T> {
  value: T | undefined;
  /** Why the last fetch failed (the alarms module absent...), shown instead of stale silence. */
  error: string | undefined;
}

const REFRESH_DELAY_MS = 300;

/**
 * The substation state, fetched at first, after each alarm change (batched: an alarm flood
 * makes one request per 300 ms, not one per alarm) and after the live socket reconnects.
 */
export function useSubstationState(api: ApiClient, live: LiveClient): Loaded<SubstationState> {
  const [loaded, setLoaded] = useState<Loaded<SubstationState>>({ value: undefined, error: undefined });
  const [tick, setTick] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const generation = useLiveGeneration(live);
  const refresh = (): void => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      setTick((t) => t + 1);
    }, REFRESH_DELAY_MS);
  };
  useLive(live, 'alarm', refresh);
  useLive(live, 'notification', refresh);
  useEffect(() => () => clearTimeout(pending.current), []);
  useEffect(() => {
    const abort = new AbortController();
    api
      .get<unknown>('/api/alarms/state', undefined, { signal: abort.signal })
      .then((raw) => setLoaded({ value: readSubstationState(raw), error: undefined }))
      .catch((error: unknown) => {
        if (!isAbort(error)) setLoaded((before) => ({ value: before.value, error: error instanceof Error ? error.message : String(error) }));
      });
    return () => abort.abort();
  }, [api, tick, generation]);
  return loaded;
}

/** Operator notifications: those the backend kept, then the live ones (newest first, at most 50). */
export function useNotifications(api: ApiClient, live: LiveClient): NotificationItem[] {
  const [items, setItems] = useState<NotificationItem[]>([]);
  const generation = useLiveGeneration(live);
  useEffect(() => {
    const abort = new AbortController();
    api
      .get<unknown>('/api/alarms/notifications', undefined, { signal: abort.signal })
      .then((raw) => setItems(readNotifications(raw).sort((a, b) => b.atMs - a.atMs).slice(0, 50)))
      .catch(() => {
        // The banner goes on with live notifications; the state's error is shown by the page.
      });
    return () => abort.abort();
  }, [api, generation]);
  useLive(live, 'notification', (message) => {
    const item = readNotification(message);
    if (item !== undefined) setItems((before) => [item, ...before].slice(0, 50));
  });
  return items;
}
