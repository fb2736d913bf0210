// Apps: the installed apps (name, version, state, host) and the App Store's catalogue (versions,
// description, provides/requires). Administrators install through the plan (pages/apps/
// install-flow.ts) and act on each app (pages/apps/app-actions.ts) in a sheet over the page;
// everyone else sees both tables read-only. The list is fetched again when an operation ends,
// when the live socket reopens, and every 15 s (apps also change by crashes and restarts).
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AppView, CatalogueView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { ErrorNote, PageHeader, Panel } from '../components/page-header.js';
import { StatusBadge } from '../components/status-badge.js';
import { Table, type Column } from '../components/table.js';
import { useLive, useLiveGeneration } from '../live.js';
import type { PageProps } from '../page.js';
import { actionTitles, AppActionPanel, type AppAction } from './apps/app-actions.js';
import { InstallFlow, readHosts } from './apps/install-flow.js';
import { groupCatalogue, rollbackTarget, upgradeTarget, type CatalogueApp } from './apps/versions.js';

const REFRESH_MS = 15_000;

function readApps(raw: unknown): AppView[] {
  if (Array.isArray(raw)) return raw as AppView[];
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { apps?: unknown }).apps)) return (raw as { apps: AppView[] }).apps;
  return [];
}

/** An installed app and the host it was listed from ('' : this AppManager's host). */
interface AppRow extends AppView {
  listedFrom: string;
}

const rowKey = (row: AppRow): string => `${row.listedFrom}|${row.name}`;

/**
 * GET /api/apps lists one host's apps. With several hosts reporting, each is asked
 * (?host=<name>), so the table covers the fleet; a host whose AppManager does not answer is
 * named in `problems` and the others are still shown.
 */
async function fetchApps(api: PageProps['api'], signal: AbortSignal): Promise<{ rows: AppRow[]; problems: string[] }> {
  let hosts: string[] = [];
  try {
    hosts = readHosts(await api.get<unknown>('/api/hosts', undefined, { signal })).map((view) => view.host);
  } catch (error) {
    if (isAbort(error)) throw error;
    // No host list: this AppManager's apps only.
  }
  if (hosts.length <= 1) {
    const apps = readApps(await api.get<unknown>('/api/apps', undefined, { signal }));
    return { rows: apps.map((app) => ({ ...app, listedFrom: '' })), problems: [] };
  }
  const answers = await Promise.allSettled(hosts.map((host) => api.get<unknown>('/api/apps', { host }, { signal })));
  const rows: AppRow[] = [];
  const problems: string[] = [];
  answers.forEach((answer, index) => {
    const host = hosts[index]!;
    if (answer.status === 'fulfilled') rows.push(...readApps(answer.value).map((app) => ({ ...app, host: app.host || host, listedFrom: host })));
    else problems.push(`host ${host}: ${errorText(answer.reason)}`);
  });
  if (rows.length === 0 && problems.length === hosts.length) throw answers.find((answer) => answer.status === 'rejected')?.reason;
  return { rows, problems };
}

type Sheet = { kind: 'install'; name?: string } | { kind: 'action'; action: AppAction; app: AppRow };

/** A panel over the page (the tables stay where they were); Escape or × closes it. */
function SheetFrame(props: { title: string; onClose: () => void; children: ComponentChildren; 'data-test': string }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') props.onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props.onClose]);
  return html`<div class="sheet-backdrop">
    <section class="sheet" role="dialog" aria-modal="true" aria-label=${props.title} data-test=${props['data-test']}>
      <header class="sheet-head">
        <h2>${props.title}</h2>
        <button type="button" class="link" aria-label="Close" data-test="sheet-close" onClick=${props.onClose}>×</button>
      </header>
      <div class="sheet-body">${props.children}</div>
    </section>
  </div>`;
}

function RoleList(props: { roles: string[] }) {
  if (props.roles.length === 0) return html`<span class="muted">–</span>`;
  return html`${props.roles.map((role, index) => html`${index > 0 ? ', ' : ''}<code>${role}</code>`)}`;
}

export function AppsPage(props: PageProps) {
  const { api, live } = props;
  const manage = props.can('manageApps');
  const [apps, setApps] = useState<AppRow[] | undefined>(undefined);
  const [appsError, setAppsError] = useState<string | undefined>(undefined);
  const [hostProblems, setHostProblems] = useState<string[]>([]);
  const [catalogue, setCatalogue] = useState<CatalogueApp[]>([]);
  const [storeUrl, setStoreUrl] = useState('');
  const [catalogueError, setCatalogueError] = useState<string | undefined>(undefined);
  const [sheet, setSheet] = useState<Sheet | undefined>(undefined);
  const [reload, setReload] = useState(0);
  const generation = useLiveGeneration(live);

  useEffect(() => {
    const abort = new AbortController();
    fetchApps(api, abort.signal)
      .then(({ rows, problems }) => {
        setApps(rows);
        setHostProblems(problems);
        setAppsError(undefined);
      })
      .catch((error: unknown) => {
        if (!isAbort(error)) setAppsError(`The installed apps could not be listed: ${errorText(error)}`);
      });
    return () => abort.abort();
  }, [api, generation, reload]);

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<CatalogueView>('/api/catalogue', undefined, { signal: abort.signal })
      .then((view) => {
        setCatalogue(groupCatalogue(view));
        setStoreUrl(view.storeUrl);
        setCatalogueError(undefined);
      })
      .catch((error: unknown) => {
        if (!isAbort(error)) setCatalogueError(`The catalogue could not be read: ${errorText(error)}`);
      });
    return () => abort.abort();
  }, [api, generation]);

  useEffect(() => {
    const timer = setInterval(() => setReload((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  // Any operation that ends (this tab's or another administrator's) changes the list.
  useLive(live, 'operation', (message) => {
    if (message.operation.state !== 'running') setReload((n) => n + 1);
  });

  const refresh = (): void => setReload((n) => n + 1);
  const close = (): void => setSheet(undefined);
  const open = (action: AppAction, app: AppRow) => () => setSheet({ kind: 'action', action, app });

  const appColumns: Column<AppRow>[] = [
    { id: 'name', title: 'App', render: (app) => html`<strong>${app.name}</strong>`, sortValue: (app) => app.name },
    {
      id: 'version',
      title: 'Version',
      render: (app) => html`${app.version}${app.otherVersions.length > 0 ? html` <span class="muted" title="kept for rollback">(${app.otherVersions.join(', ')})</span>` : ''}`,
      sortValue: (app) => app.version,
    },
    { id: 'state', title: 'State', render: (app) => html`<${StatusBadge} state=${app.state} title=${app.detail} />`, sortValue: (app) => app.state },
    { id: 'host', title: 'Host', render: (app) => app.host || html`<span class="muted">–</span>`, sortValue: (app) => app.host },
    { id: 'provides', title: 'Provides', render: (app) => html`<${RoleList} roles=${app.provides} />`, class: 'wrap' },
    { id: 'detail', title: 'Detail', render: (app) => html`<span class="reason">${app.detail}</span>`, class: 'wrap' },
  ];
  if (manage) {
    appColumns.push({
      id: 'actions',
      title: 'Actions',
      render: (app) => {
        const running = app.state.toLowerCase() === 'running';
        const upgrade = upgradeTarget(app, catalogue);
        const back = rollbackTarget(app);
        return html`<div class="actions">
          <button type="button" class="small-button secondary" data-test="app-configure" onClick=${open('configure', app)}>Configure</button>
          <button type="button" class="small-button secondary" data-test="app-upgrade" title=${upgrade ? `to ${upgrade}` : 'no newer version in the catalogue'} onClick=${open('upgrade', app)}>
            Upgrade${upgrade ? ` → ${upgrade}` : ''}
          </button>
          <button type="button" class="small-button secondary" data-test="app-rollback" disabled=${back === undefined} title=${back ? `to ${back}` : 'no earlier version kept'} onClick=${open('rollback', app)}>
            Roll back${back ? ` → ${back}` : ''}
          </button>
          ${running
            ? html`<button type="button" class="small-button secondary" data-test="app-stop" onClick=${open('stop', app)}>Stop</button>`
            : html`<button type="button" class="small-button secondary" data-test="app-start" onClick=${open('start', app)}>Start</button>`}
          <button type="button" class="small-button danger" data-test="app-remove" onClick=${open('remove', app)}>Remove</button>
        </div>`;
      },
    });
  }

  const installedVersion = (name: string): string | undefined => apps?.find((app) => app.name === name)?.version;
  const catalogueColumns: Column<CatalogueApp>[] = [
    { id: 'name', title: 'App', render: (entry) => html`<strong>${entry.name}</strong>`, sortValue: (entry) => entry.name },
    {
      id: 'versions',
      title: 'Versions',
      render: (entry) => {
        const current = installedVersion(entry.name);
        return html`${entry.versions.join(', ')}${current ? html`<div class="muted">installed: ${current}</div>` : ''}`;
      },
    },
    { id: 'description', title: 'Description', render: (entry) => entry.newest.description, class: 'wrap' },
    { id: 'provides', title: 'Provides', render: (entry) => html`<${RoleList} roles=${entry.newest.provides} />`, class: 'wrap' },
    { id: 'requires', title: 'Requires', render: (entry) => html`<${RoleList} roles=${entry.newest.requires} />`, class: 'wrap' },
  ];
  if (manage) {
    catalogueColumns.push({
      id: 'install',
      title: '',
      render: (entry) => html`<button type="button" class="small-button" data-test="catalogue-install" data-name=${entry.name} onClick=${() => setSheet({ kind: 'install', name: entry.name })}>Install…</button>`,
    });
  }

  let sheetView = null;
  if (sheet?.kind === 'install') {
    sheetView = html`<${SheetFrame} title="Install an app" onClose=${close} data-test="install-sheet">
      <${InstallFlow} api=${api} live=${live} catalogue=${catalogue} initialName=${sheet.name} onClose=${close} onFinished=${refresh} />
    <//>`;
  } else if (sheet?.kind === 'action') {
    // The row's latest view (its state may have changed while the sheet was open).
    const app = apps?.find((candidate) => rowKey(candidate) === rowKey(sheet.app)) ?? sheet.app;
    sheetView = html`<${SheetFrame} title=${`${actionTitles[sheet.action]} ${sheet.app.name}`} onClose=${close} data-test="action-sheet">
      <${AppActionPanel} api=${api} live=${live} app=${app} host=${app.listedFrom} action=${sheet.action} catalogue=${catalogue} onClose=${close} onFinished=${refresh} />
    <//>`;
  }

  return html`<div class="page apps-page" data-test="apps-page">
    <${PageHeader} title="Apps" subtitle=${manage ? 'Install, upgrade, configure and remove apps; nothing happens before you confirm.' : 'Read-only: only administrators install, upgrade, configure or remove apps.'}>
      <button type="button" class="secondary" data-test="apps-refresh" onClick=${refresh}>Refresh</button>
      ${manage && html`<button type="button" data-test="install-open" disabled=${catalogue.length === 0} onClick=${() => setSheet({ kind: 'install' })}>Install an app…</button>`}
    <//>
    <${Panel} title=${`Installed${apps === undefined ? '' : ` (${apps.length})`}`} data-test="apps-installed">
      <${ErrorNote} error=${appsError} onRetry=${refresh} />
      ${hostProblems.length > 0 && html`<div class="error-note" data-test="apps-host-problems">Not listed: ${hostProblems.join('; ')}</div>`}
      <${Table}
        columns=${appColumns}
        rows=${apps ?? []}
        rowKey=${rowKey}
        rowAttributes=${(app: AppRow) => ({ 'data-test': 'app-row', 'data-name': app.name, 'data-state': app.state, 'data-version': app.version, 'data-host': app.host })}
        initialSort=${{ column: 'name', descending: false }}
        empty=${apps === undefined ? 'Loading…' : 'No apps are installed.'}
        maxHeight="calc(50vh - 120px)"
        data-test="apps-table"
      />
    <//>
    <${Panel} title=${html`Catalogue${storeUrl ? html` <span class="muted small">${storeUrl}</span>` : ''}`} data-test="apps-catalogue">
      <${ErrorNote} error=${catalogueError} />
      <${Table}
        columns=${catalogueColumns}
        rows=${catalogue}
        rowKey=${(entry: CatalogueApp) => entry.name}
        rowAttributes=${(entry: CatalogueApp) => ({ 'data-test': 'catalogue-row', 'data-name': entry.name, 'data-versions': entry.versions.join(' ') })}
        empty=${catalogueError === undefined ? 'The catalogue is empty.' : 'No catalogue.'}
        maxHeight="calc(50vh - 120px)"
        data-test="catalogue-table"
      />
    <//>
    ${sheetView}
  </div>`;
}
