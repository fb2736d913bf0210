// Hosts: each host agent with its load, memory and running modules, and its supervision tree
// (supervisors and workers, indented, each with its state, pid and restarts), live: `host`
// messages replace a host's figures, `supervisor` events change a node at once and are listed
// (the last ones per host: why something restarted is the first question after a crash loop),
// and the tree is fetched again shortly after, so what is shown is the agent's own word.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HostView, LiveMessage, TreeNodeView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { ErrorNote, PageHeader, Panel } from '../components/page-header.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatAgo, formatBytes, formatFullTime, formatTime, useNow } from '../components/time.js';
import { useLive, useLiveGeneration } from '../live.js';
import type { PageProps } from '../page.js';

type SupervisorMessage = Extract<LiveMessage, { type: 'supervisor' }>;

/** A host's status is old when its agent has not published for this long (it publishes every few seconds). */
const STALE_MS = 30_000;
const EVENTS_KEPT = 12;
const REFETCH_DELAY_MS = 1500;

function readHosts(raw: unknown): HostView[] {
  if (Array.isArray(raw)) return raw as HostView[];
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { hosts?: unknown }).hosts)) return (raw as { hosts: HostView[] }).hosts;
  return [];
}

/** The state a supervision event leaves its child in, until the tree is fetched again. */
const stateAfter: Record<string, string> = {
  started: 'running',
  restarted: 'running',
  exited: 'exited',
  backingoff: 'backing-off',
  escalated: 'failed',
  refused: 'failed',
  stopped: 'stopped',
  added: 'starting',
};

function applyEvent(node: TreeNodeView, event: SupervisorMessage): TreeNodeView {
  if (node.path === event.child) {
    const kind = event.kind.toLowerCase().replace(/[^a-z]/g, '');
    return {
      ...node,
      state: stateAfter[kind] ?? node.state,
      pid: event.pid > 0 ? event.pid : node.pid,
      restarts: kind === 'restarted' ? (node.restarts ?? 0) + 1 : node.restarts,
    };
  }
  if (node.children === undefined || !event.child.startsWith(`${node.path}/`)) return node;
  return { ...node, children: node.children.map((child) => applyEvent(child, event)) };
}

function countWorkers(node: TreeNodeView, predicate: (n: TreeNodeView) => boolean): number {
  return (node.kind === 'worker' && predicate(node) ? 1 : 0) + (node.children ?? []).reduce((sum, child) => sum + countWorkers(child, predicate), 0);
}

function Meter(props: { fraction: number; label: string; 'data-test'?: string }) {
  const fraction = Math.max(0, Math.min(1, Number.isFinite(props.fraction) ? props.fraction : 0));
  const tone = fraction > 0.9 ? 'bad' : fraction > 0.7 ? 'warn' : 'good';
  return html`<div class="meter" data-test=${props['data-test']} title=${props.label}>
    <div class=${`meter-fill meter-${tone}`} style=${{ width: `${(fraction * 100).toFixed(1)}%` }}></div>
    <span>${props.label}</span>
  </div>`;
}

/** "actors/alarms/module.js" for a long compiled path; names like "examples/generator" as they are. */
function shortModule(module: string): string {
  const parts = module.split('/');
  return parts.length <= 3 ? module : `…/${parts.slice(-3).join('/')}`;
}

function TreeRows(props: { node: TreeNodeView; depth: number }) {
  const { node, depth } = props;
  const restarts = node.restarts ?? 0;
  return html`
    <li class=${`tree-node tree-${node.kind}`} style=${{ paddingLeft: `${depth * 1.25}em` }}
      data-test="tree-node" data-path=${node.path} data-state=${node.state} data-kind=${node.kind}>
      <span class="tree-name">${node.kind === 'supervisor' ? '▾ ' : '• '}${node.name}</span>
      <${StatusBadge} state=${node.state} />
      ${node.module !== undefined && node.module !== node.name ? html`<span class="muted small module-path" title=${node.module}>${shortModule(node.module)}</span>` : null}
      ${node.pid !== undefined && node.pid > 0 ? html`<span class="muted small">pid ${node.pid}</span>` : null}
      ${restarts > 0 ? html`<span class=${`restarts${restarts >= 3 ? ' restarts-many' : ''}`} title="Restarts by its supervisor">${restarts} restart${restarts === 1 ? '' : 's'}</span>` : null}
    </li>
    ${(node.children ?? []).map((child) => html`<${TreeRows} key=${child.path} node=${child} depth=${depth + 1} />`)}`;
}

function HostCard(props: { host: HostView; events: SupervisorMessage[]; now: number }) {
  const { host, events, now } = props;
  const usedMemory = host.totalMemoryBytes - host.freeMemoryBytes;
  const stale = now - host.atMs > STALE_MS;
  const troubled = countWorkers(host.tree, (n) => n.state !== 'running');
  return html`<${Panel} class="host" data-test="host-card">
    <div class="host-head" data-test="host" data-host=${host.host}>
      <h2>${host.host}</h2>
      <span class="muted small" title="Bus address: supervisor@<agent id>">agent ${host.agentId}</span>
      <span class=${stale ? 'stale' : 'muted small'} title=${formatFullTime(host.atMs)}>${stale ? 'no news since ' : 'updated '}${formatAgo(host.atMs, now)}</span>
    </div>
    <div class="host-body">
      <div class="host-stats">
        <div class="stat-label">Load (1 min)</div>
        <${Meter} data-test="host-load" fraction=${host.cpuCount > 0 ? host.load1m / host.cpuCount : 0} label=${`${host.load1m.toFixed(2)} on ${host.cpuCount} CPU${host.cpuCount === 1 ? '' : 's'}`} />
        <div class="stat-label">Memory</div>
        <${Meter} data-test="host-memory" fraction=${host.totalMemoryBytes > 0 ? usedMemory / host.totalMemoryBytes : 0} label=${`${formatBytes(usedMemory)} of ${formatBytes(host.totalMemoryBytes)}`} />
        <div class="stat-label">Modules</div>
        <div data-test="host-running"><strong>${host.runningModules}</strong> running${troubled > 0 ? html`, <span class="bad-text">${troubled} not running</span>` : ''}</div>
      </div>
      <div class="host-tree">
        <div class="stat-label">Supervision tree</div>
        <ul class="tree" data-test="supervision-tree"><${TreeRows} node=${host.tree} depth=${0} /></ul>
      </div>
      <div class="host-events">
        <div class="stat-label">Recent supervision events</div>
        ${events.length === 0
          ? html`<p class="muted small">None since this page opened.</p>`
          : html`<ul class="events" data-test="supervisor-events">
              ${events.map(
                (e) => html`<li data-kind=${e.kind}>
                  <span class="muted small" title=${formatFullTime(e.atMs)}>${formatTime(e.atMs, now)}</span>
                  <${StatusBadge} state=${e.kind} />
                  <span class="path">${e.child}</span>
                  ${e.message === '' ? null : html`<span class="small">${e.message}</span>`}
                </li>`,
              )}
            </ul>`}
      </div>
    </div>
  <//>`;
}

export function HostsPage(props: PageProps) {
  const { api, live } = props;
  const [hosts, setHosts] = useState<HostView[] | undefined>(undefined);
  const [events, setEvents] = useState<Map<string, SupervisorMessage[]>>(new Map());
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const refetch = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const generation = useLiveGeneration(live);
  const now = useNow(5000);

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<unknown>('/api/hosts', undefined, { signal: abort.signal })
      .then((raw) => {
        setHosts(readHosts(raw));
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(`Hosts could not be listed: ${errorText(failure)}`);
      });
    return () => abort.abort();
  }, [api, generation, tick]);
  useEffect(() => () => clearTimeout(refetch.current), []);

  useLive(live, 'host', (message) => {
    setHosts((before) => {
      const list = before ?? [];
      const index = list.findIndex((h) => h.agentId === message.host.agentId || h.host === message.host.host);
      if (index < 0) return [...list, message.host];
      // A status without a tree (figures only) keeps the tree we have.
      const tree = message.host.tree ?? list[index].tree;
      return list.map((h, i) => (i === index ? { ...message.host, tree } : h));
    });
  });

  useLive(live, 'supervisor', (message) => {
    setHosts((before) => before?.map((h) => (h.host === message.host ? { ...h, tree: applyEvent(h.tree, message) } : h)));
    setEvents((before) => new Map(before).set(message.host, [message, ...(before.get(message.host) ?? [])].slice(0, EVENTS_KEPT)));
    if (refetch.current === undefined) {
      refetch.current = setTimeout(() => {
        refetch.current = undefined;
        setTick((t) => t + 1);
      }, REFETCH_DELAY_MS);
    }
  });

  const list = [...(hosts ?? [])].sort((a, b) => a.host.localeCompare(b.host));
  return html`<div class="page" data-test="page-hosts">
    <${PageHeader} title="Hosts" subtitle=${hosts === undefined ? 'Asking the host agents…' : `${list.length} host${list.length === 1 ? '' : 's'}`} />
    <${ErrorNote} error=${error} onRetry=${() => setTick((t) => t + 1)} />
    ${hosts !== undefined && list.length === 0 ? html`<${Panel}><p class="muted">No host agent has reported yet.</p><//>` : null}
    <div class="hosts">
      ${list.map((host) => html`<${HostCard} key=${host.agentId} host=${host} events=${events.get(host.host) ?? []} now=${now} />`)}
    </div>
  </div>`;
}
