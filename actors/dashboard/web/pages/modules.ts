// Modules: the bus registry as a table (name, host, pid, state, roles, since), live. A module
// that leaves (stopped, or killed and expired by the registry) stays a while as a greyed "down"
// row with the reason, so nobody misses that it died; its restarted successor is a new row
// (new id and pid). The filter box matches name, host, role, state and id.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ModuleView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { ErrorNote, PageHeader, Panel } from '../components/page-header.js';
import { StatusBadge } from '../components/status-badge.js';
import { Table, type Column } from '../components/table.js';
import { formatAgo, formatFullTime, formatTime, useNow } from '../components/time.js';
import { useLive, useLiveGeneration } from '../live.js';
import type { PageProps } from '../page.js';

/** How long a module that left stays on the page as "down". */
export const DOWN_LINGER_MS = 60_000;

interface ModuleRow {
  module: ModuleView;
  /** When this page saw the module join or change state; undefined: it was there when the page loaded. */
  sinceMs: number | undefined;
  /** Set when the module left the registry. */
  down?: { reason: string; atMs: number };
}

function readModules(raw: unknown): ModuleView[] {
  if (Array.isArray(raw)) return raw as ModuleView[];
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { modules?: unknown }).modules)) return (raw as { modules: ModuleView[] }).modules;
  return [];
}

const stateOf = (row: ModuleRow): string => (row.down === undefined ? row.module.state : 'down');

function matches(row: ModuleRow, filter: string): boolean {
  if (filter === '') return true;
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const haystack = [row.module.name, row.module.host, row.module.id, stateOf(row), row.module.version, String(row.module.pid), ...row.module.roles].join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function ModulesPage(props: PageProps) {
  const { api, live } = props;
  const [rows, setRows] = useState<Map<string, ModuleRow>>(new Map());
  const [loadedAtMs, setLoadedAtMs] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState(props.route.query.get('q') ?? '');
  const [attempt, setAttempt] = useState(0);
  const generation = useLiveGeneration(live);
  const now = useNow(1000);
  const marked = useRef(false);

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<unknown>('/api/modules', undefined, { signal: abort.signal })
      .then((raw) => {
        const fetched = readModules(raw);
        setRows((before) => {
          const next = new Map<string, ModuleRow>();
          for (const module of fetched) {
            const old = before.get(module.id);
            next.set(module.id, { module, sinceMs: old?.module.state === module.state ? old.sinceMs : old === undefined ? undefined : Date.now() });
          }
          // Keep the dead that are still lingering (the registry forgot them, we do not yet).
          for (const [id, row] of before) if (row.down !== undefined && !next.has(id)) next.set(id, row);
          return next;
        });
        setLoadedAtMs(Date.now());
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(`Modules could not be listed: ${errorText(failure)}`);
      });
    return () => abort.abort();
  }, [api, generation, attempt]);

  useLive(live, 'registry', (message) => {
    const atMs = Date.now();
    setRows((before) => {
      const next = new Map(before);
      const old = next.get(message.module.id);
      if (message.change === 'leave') {
        next.set(message.module.id, { module: old?.module ?? message.module, sinceMs: atMs, down: { reason: message.reason ?? 'left', atMs } });
      } else {
        const changed = old === undefined || old.down !== undefined || old.module.state !== message.module.state;
        next.set(message.module.id, { module: message.module, sinceMs: changed ? atMs : old.sinceMs });
      }
      return next;
    });
  });

  // The dead leave the table DOWN_LINGER_MS after they died.
  useEffect(() => {
    const expired = [...rows.values()].filter((row) => row.down !== undefined && now - row.down.atMs > DOWN_LINGER_MS);
    if (expired.length === 0) return;
    setRows((before) => {
      const next = new Map(before);
      for (const row of expired) next.delete(row.module.id);
      return next;
    });
  }, [now]);

  // For the benchmark and the e2e test: when the table first shows the registry.
  useEffect(() => {
    if (loadedAtMs !== undefined && !marked.current) {
      marked.current = true;
      performance.mark('modules-rendered');
    }
  }, [loadedAtMs]);

  const all = [...rows.values()];
  const shown = all.filter((row) => matches(row, filter));
  const downCount = all.filter((row) => row.down !== undefined).length;

  const columns: Column<ModuleRow>[] = [
    { id: 'name', title: 'Name', render: (r) => html`<strong>${r.module.name}</strong> <span class="muted small">${r.module.version}</span>`, sortValue: (r) => `${r.module.name} ${r.down === undefined ? 0 : 1}` },
    { id: 'host', title: 'Host', render: (r) => r.module.host, sortValue: (r) => r.module.host, width: '10em' },
    { id: 'pid', title: 'PID', render: (r) => (r.module.pid > 0 ? r.module.pid : '–'), sortValue: (r) => r.module.pid, class: 'num', width: '5em' },
    {
      id: 'state',
      title: 'State',
      render: (r) =>
        r.down === undefined
          ? html`<${StatusBadge} state=${r.module.state} />`
          : html`<${StatusBadge} state="down" title=${r.down.reason} /> <span class="reason" data-test="module-leave-reason">${r.down.reason}</span>`,
      sortValue: stateOf,
      width: '16em',
    },
    { id: 'roles', title: 'Roles', render: (r) => html`<span class="wrap">${r.module.roles.join(', ')}</span>`, class: 'wrap' },
    {
      id: 'since',
      title: 'Since',
      render: (r) =>
        r.sinceMs === undefined
          ? html`<span class="muted" title="Already there when this page loaded">before ${formatTime(loadedAtMs ?? now, now)}</span>`
          : html`<span title=${formatFullTime(r.sinceMs)}>${formatTime(r.sinceMs, now)} <span class="muted small">(${formatAgo(r.sinceMs, now)})</span></span>`,
      sortValue: (r) => r.sinceMs ?? 0,
      width: '12em',
    },
  ];

  return html`<div class="page" data-test="page-modules">
    <${PageHeader}
      title="Modules"
      subtitle=${loadedAtMs === undefined ? 'Loading the registry…' : `${all.length - downCount} in the registry${downCount > 0 ? `, ${downCount} down` : ''}${shown.length !== all.length ? ` — ${shown.length} shown` : ''}`}
    >
      <input type="search" placeholder="Filter: name, host, role, state" value=${filter} data-test="module-filter" aria-label="Filter modules"
        onInput=${(e: Event) => setFilter((e.currentTarget as HTMLInputElement).value)} />
    <//>
    <${ErrorNote} error=${error} onRetry=${() => setAttempt((a) => a + 1)} />
    <${Panel} class="fill">
      <${Table}
        data-test="modules-table"
        columns=${columns}
        rows=${shown}
        rowKey=${(r: ModuleRow) => r.module.id}
        initialSort=${{ column: 'name', descending: false }}
        rowAttributes=${(r: ModuleRow) => ({
          'data-test': 'module-row',
          'data-name': r.module.name,
          'data-id': r.module.id,
          'data-host': r.module.host,
          'data-pid': r.module.pid,
          'data-state': stateOf(r),
          class: r.down === undefined ? '' : 'row-down',
        })}
        empty=${loadedAtMs === undefined ? 'Loading…' : filter === '' ? 'No module in the registry.' : 'No module matches the filter.'}
      />
    <//>
  </div>`;
}
