// Alarms: the substation's aggregated state, the storms going on (from the operator
// notifications: one summary per storm instead of a flood), and the alarms as a table sortable
// by severity and time, live. Roles that may handle alarms (permissions.handleAlarms) get
// Acknowledge / Shelve (for a chosen duration) / Unshelve with a comment; the backend records
// who did it. Others see the same table without the buttons.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlarmView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { ErrorNote, PageHeader, Panel } from '../components/page-header.js';
import { SeverityBadge, StatusBadge } from '../components/status-badge.js';
import { activeStorms, severityRank, useNotifications, useSubstationState, type SubstationState } from '../components/substation.js';
import { Table, type Column, type Sort } from '../components/table.js';
import { formatAgo, formatDuration, formatFullTime, formatTime, useNow } from '../components/time.js';
import { toast, toastError } from '../components/toast.js';
import { useLive, useLiveGeneration } from '../live.js';
import type { PageProps } from '../page.js';

const ALL_STATES = ['Raised', 'Acknowledged', 'Shelved', 'Cleared'] as const;

/** Shelving durations offered (maintenance windows). */
export const SHELVE_DURATIONS_MS: { label: string; ms: number }[] = [
  { label: '15 minutes', ms: 15 * 60_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '8 hours', ms: 8 * 3_600_000 },
  { label: '24 hours', ms: 24 * 3_600_000 },
  { label: '7 days', ms: 7 * 24 * 3_600_000 },
];

const audienceNames: Record<string, string> = { Administrator: 'Administrator', FieldEngineer: 'Field engineer' };

type Action = { kind: 'ack' | 'shelve' | 'unshelve'; alarm: AlarmView };

function readAlarms(raw: unknown): AlarmView[] {
  if (Array.isArray(raw)) return raw as AlarmView[];
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { alarms?: unknown }).alarms)) return (raw as { alarms: AlarmView[] }).alarms;
  return [];
}

function Summary(props: { state: SubstationState | undefined; error: string | undefined }) {
  const s = props.state;
  if (s === undefined) return html`<${Panel} data-test="substation-state"><p class="muted">${props.error ?? 'Asking the alarms module…'}</p><//>`;
  return html`<${Panel} class="summary" data-test="substation-state" data-active=${s.active} data-storm=${s.storm}>
    <div class="figures">
      <div><span class="figure" data-test="state-active">${s.active}</span> active</div>
      <div><span class="figure" data-test="state-unacknowledged">${s.unacknowledged}</span> unacknowledged</div>
      <div><span class="figure">${s.administrator}</span> for the administrator</div>
      <div><span class="figure">${s.fieldEngineer}</span> for the field engineer</div>
      <div>worst ${s.active > 0 && s.worst !== '' ? html`<${SeverityBadge} severity=${s.worst} />` : html`<span class="muted">none</span>`}</div>
      ${s.storm ? html`<div class="storm" data-test="state-storm">storm mode</div>` : null}
      ${s.inGrace ? html`<div class="muted" title="The rules just started: nothing is notified during the start grace period">start grace</div>` : null}
    </div>
    ${s.groups.length === 0
      ? null
      : html`<div class="groups">
          ${s.groups.map(
            (g) => html`<span key=${g.group} class=${`group-chip${g.storm ? ' group-storm' : ''}`} data-test="state-group" data-group=${g.group}>
              ${g.group || '(no group)'}: ${g.active} active, ${g.unacknowledged} unack.${g.storm ? ' — storm' : ''}
            </span>`,
          )}
        </div>`}
    ${props.error === undefined ? null : html`<p class="error-note small">${props.error}</p>`}
  <//>`;
}

function ActionForm(props: { action: Action; busy: boolean; onConfirm: (comment: string, untilMs: number) => void; onCancel: () => void }) {
  const { action } = props;
  const [comment, setComment] = useState('');
  const [durationMs, setDurationMs] = useState(SHELVE_DURATIONS_MS[1].ms);
  const title = action.kind === 'ack' ? 'Acknowledge' : action.kind === 'shelve' ? 'Shelve' : 'Unshelve';
  const submit = (event: Event): void => {
    event.preventDefault();
    props.onConfirm(comment.trim(), Date.now() + durationMs);
  };
  return html`<form class="panel action-form" onSubmit=${submit} data-test="alarm-action" data-kind=${action.kind} data-key=${action.alarm.key}>
    <h2>${title} <span class="mono">${action.alarm.key}</span></h2>
    <p class="small">${action.alarm.message}</p>
    <div class="row">
      ${action.kind === 'unshelve'
        ? null
        : html`<label class="grow">Comment
            <input value=${comment} maxLength=${500} placeholder=${action.kind === 'ack' ? 'e.g. crew informed' : 'e.g. maintenance on the transformer'}
              data-test="alarm-comment" onInput=${(e: Event) => setComment((e.currentTarget as HTMLInputElement).value)} />
          </label>`}
      ${action.kind === 'shelve'
        ? html`<label>For
            <select data-test="alarm-shelve-duration" value=${String(durationMs)} onChange=${(e: Event) => setDurationMs(Number((e.currentTarget as HTMLSelectElement).value))}>
              ${SHELVE_DURATIONS_MS.map((d) => html`<option value=${String(d.ms)}>${d.label}</option>`)}
            </select>
          </label>`
        : null}
      <button type="submit" disabled=${props.busy} data-test="alarm-confirm">${props.busy ? `${title}…` : title}</button>
      <button type="button" class="secondary" disabled=${props.busy} data-test="alarm-cancel" onClick=${props.onCancel}>Cancel</button>
    </div>
  </form>`;
}

export function AlarmsPage(props: PageProps) {
  const { api, live } = props;
  const mayHandle = props.can('handleAlarms');
  const [alarms, setAlarms] = useState<Map<string, AlarmView> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [showCleared, setShowCleared] = useState(false);
  const [audience, setAudience] = useState('');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort>({ column: 'severity', descending: true });
  const [action, setAction] = useState<Action | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const generation = useLiveGeneration(live);
  const state = useSubstationState(api, live);
  const storms = activeStorms(useNotifications(api, live));
  const now = useNow(5000);

  useEffect(() => {
    const abort = new AbortController();
    const states = showCleared ? ALL_STATES.join(',') : undefined;
    api
      .get<unknown>('/api/alarms', { states }, { signal: abort.signal })
      .then((raw) => {
        setAlarms(new Map(readAlarms(raw).map((a) => [a.key, a])));
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(`Alarms could not be listed: ${errorText(failure)}`);
      });
    return () => abort.abort();
  }, [api, generation, showCleared, attempt]);

  // In an alarm flood, changes arrive by the hundred per second: they are applied every 100 ms,
  // not one render per message (a timer, not animation frames, so a hidden tab keeps up too).
  const pendingChanges = useRef<AlarmView[]>([]);
  const frame = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(frame.current), []);
  useLive(live, 'alarm', (message) => {
    pendingChanges.current.push(message.alarm);
    if (frame.current !== undefined) return;
    frame.current = setTimeout(() => {
      frame.current = undefined;
      const changes = pendingChanges.current.splice(0);
      setAlarms((before) => {
        const next = new Map(before ?? []);
        for (const alarm of changes) {
          if (alarm.state === 'Cleared' && !showCleared) next.delete(alarm.key);
          else next.set(alarm.key, alarm);
        }
        return next;
      });
      const latest = new Map(changes.map((alarm) => [alarm.key, alarm]));
      setAction((open) => (open !== undefined && latest.has(open.alarm.key) ? { ...open, alarm: latest.get(open.alarm.key)! } : open));
    }, 100);
  });

  const perform = (comment: string, untilMs: number): void => {
    if (action === undefined) return;
    const { kind, alarm } = action;
    const request =
      kind === 'ack'
        ? api.post<AlarmView>('/api/alarms/ack', { key: alarm.key, comment })
        : kind === 'shelve'
          ? api.post<AlarmView>('/api/alarms/shelve', { key: alarm.key, untilMs, comment })
          : api.post<AlarmView>('/api/alarms/unshelve', { key: alarm.key });
    setBusy(true);
    request
      .then((updated) => {
        if (updated !== undefined && typeof updated.key === 'string') setAlarms((before) => new Map(before ?? []).set(updated.key, updated));
        setAction(undefined);
        toast(kind === 'ack' ? `Acknowledged ${alarm.key}` : kind === 'shelve' ? `Shelved ${alarm.key} until ${formatTime(untilMs)}` : `Unshelved ${alarm.key}`);
      })
      .catch((failure: unknown) => {
        toastError(failure, kind === 'ack' ? 'Acknowledge' : kind === 'shelve' ? 'Shelve' : 'Unshelve');
        // A conflict means the alarm changed meanwhile: show what it is now.
        setAttempt((a) => a + 1);
      })
      .finally(() => setBusy(false));
  };

  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const rows = [...(alarms?.values() ?? [])].filter(
    (a) =>
      (audience === '' || a.audience === audience) &&
      words.every((w) => [a.key, a.message, a.source, a.group, a.category, a.workOrderId, a.by].join(' ').toLowerCase().includes(w)),
  );

  const columns: Column<AlarmView>[] = [
    { id: 'severity', title: 'Severity', render: (a) => html`<${SeverityBadge} severity=${a.severity} />`, sortValue: (a) => severityRank(a.severity) * 1e13 + a.updatedAtMs, width: '7em' },
    {
      id: 'state',
      title: 'State',
      render: (a) =>
        html`<${StatusBadge} state=${a.state} />${a.state === 'Shelved' && a.shelvedUntilMs > 0 ? html`<div class="muted small" title=${formatFullTime(a.shelvedUntilMs)}>until ${formatTime(a.shelvedUntilMs, now)}</div>` : null}`,
      sortValue: (a) => a.state,
      width: '8.5em',
    },
    {
      id: 'alarm',
      title: 'Alarm',
      class: 'wrap',
      render: (a) => html`<div>${a.message}</div><div class="muted small mono">${a.key}${a.count > 1 ? html` <span title="Times raised">×${a.count}</span>` : null}</div>`,
      sortValue: (a) => a.key,
    },
    { id: 'source', title: 'Source / group', class: 'wrap', render: (a) => html`<div>${a.source}</div><div class="muted small">${a.group}</div>`, sortValue: (a) => `${a.group} ${a.source}`, width: '11em' },
    {
      id: 'who',
      title: 'Who acts',
      render: (a) => html`<div>${audienceNames[a.audience] ?? a.audience}</div>${a.workOrderId === '' ? null : html`<div class="small" data-test="alarm-work-order">WO ${a.workOrderId}</div>`}`,
      sortValue: (a) => a.audience,
      width: '8.5em',
    },
    {
      id: 'time',
      title: 'Raised',
      render: (a) => html`<span title=${formatFullTime(a.raisedAtMs)}>${formatTime(a.raisedAtMs, now)}</span><div class="muted small">${formatAgo(a.updatedAtMs, now)}</div>`,
      sortValue: (a) => a.raisedAtMs,
      width: '8em',
    },
    {
      id: 'by',
      title: 'By / comment',
      class: 'wrap',
      render: (a) => (a.by === '' ? html`<span class="muted">–</span>` : html`<div>${a.by}</div><div class="muted small">${a.comment}</div>`),
      width: '9em',
    },
  ];
  if (mayHandle) {
    columns.push({
      id: 'actions',
      title: '',
      width: '11em',
      render: (a) => html`<div class="actions">
        ${a.state === 'Raised' ? html`<button type="button" class="small-button" data-test="alarm-ack" onClick=${() => setAction({ kind: 'ack', alarm: a })}>Acknowledge</button>` : null}
        ${a.state === 'Raised' || a.state === 'Acknowledged' ? html`<button type="button" class="small-button secondary" data-test="alarm-shelve" onClick=${() => setAction({ kind: 'shelve', alarm: a })}>Shelve</button>` : null}
        ${a.state === 'Shelved' ? html`<button type="button" class="small-button secondary" data-test="alarm-unshelve" onClick=${() => setAction({ kind: 'unshelve', alarm: a })}>Unshelve</button>` : null}
      </div>`,
    });
  }

  return html`<div class="page" data-test="page-alarms">
    <${PageHeader} title="Alarms" subtitle=${mayHandle ? undefined : 'Read only: your role does not handle alarms.'}>
      <input type="search" placeholder="Filter: key, message, source, group" value=${filter} data-test="alarm-filter" aria-label="Filter alarms"
        onInput=${(e: Event) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      <select value=${audience} data-test="alarm-audience" aria-label="Who acts" onChange=${(e: Event) => setAudience((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">Everyone</option>
        <option value="Administrator">Administrator</option>
        <option value="FieldEngineer">Field engineer</option>
      </select>
      <label class="check"><input type="checkbox" checked=${showCleared} data-test="alarm-show-cleared"
        onChange=${(e: Event) => setShowCleared((e.currentTarget as HTMLInputElement).checked)} /> cleared too</label>
    <//>
    ${storms.map(
      (storm) => html`<div class="storm-banner" role="alert" data-test="storm-banner" data-group=${storm.group}>
        <strong>Alarm storm${storm.group === '' ? '' : ` in ${storm.group}`}</strong> — ${storm.text}
        <span class="muted small"> (${formatTime(storm.atMs, now)}, ${formatDuration(now - storm.atMs)} ago)</span>
      </div>`,
    )}
    <${Summary} state=${state.value} error=${state.error} />
    <${ErrorNote} error=${error} onRetry=${() => setAttempt((a) => a + 1)} />
    ${action === undefined ? null : html`<${ActionForm} key=${`${action.kind}:${action.alarm.key}`} action=${action} busy=${busy} onConfirm=${perform} onCancel=${() => setAction(undefined)} />`}
    <${Panel} class="fill">
      <${Table}
        data-test="alarms-table"
        columns=${columns}
        rows=${rows}
        rowKey=${(a: AlarmView) => a.key}
        sort=${sort}
        onSort=${setSort}
        rowAttributes=${(a: AlarmView) => ({
          'data-test': 'alarm-row',
          'data-key': a.key,
          'data-state': a.state,
          'data-severity': a.severity,
          class: `${a.state === 'Cleared' ? 'row-down' : ''}${action?.alarm.key === a.key ? ' row-selected' : ''}`,
        })}
        empty=${alarms === undefined ? 'Loading…' : filter === '' && audience === '' ? 'No alarm.' : 'No alarm matches the filter.'}
      />
    <//>
  </div>`;
}
