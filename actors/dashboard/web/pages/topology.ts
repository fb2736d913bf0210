// Topology: the feeder as GRM holds it, drawn as a graph, with SSD's verdict on each switch and
// BEMS-AA's assignment of each building to a monitoring point. Beside the graph: the switches
// with their verdicts (what the data support and how sure), and what could not be fetched.
// GRM publishes nothing the dashboard forwards live, so the page asks again every 30 s and on
// "Refresh".
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { TopologyView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { ErrorNote, PageHeader } from '../components/page-header.js';
import { FeederGraph, graphColours, placeAssignments, verdictOf } from '../components/feeder-graph.js';
import { Table, type Column } from '../components/table.js';
import { formatTime } from '../components/time.js';
import type { PageProps } from '../page.js';

const refreshMs = 30_000;

type SwitchRow = {
  id: string;
  name: string;
  recordedOpen: boolean;
  verdict: TopologyView['switches'][number] | undefined;
};

export function TopologyPage(props: PageProps) {
  const { api } = props;
  const [topology, setTopology] = useState<TopologyView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    api
      .get<TopologyView>('/api/topology', undefined, { signal: abort.signal })
      .then((answer) => {
        // The same answer again keeps the graph where the user panned it.
        setTopology((previous) => (previous !== undefined && sameTopology(previous, answer) ? previous : answer));
        setError(undefined);
        setLoading(false);
      })
      .catch((failure: unknown) => {
        if (isAbort(failure)) return;
        setError(errorText(failure));
        setLoading(false);
      });
    const timer = setTimeout(() => setAsked((n) => n + 1), refreshMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, asked]);

  return html`<div class="page topology-page" data-test="topology-page" style=${{ display: 'flex', flexDirection: 'column', gap: '8px', height: '100%', minHeight: 0 }}>
    <${PageHeader} title="Topology" subtitle=${topology === undefined ? undefined : html`<${Summary} topology=${topology} />`}>
      <button type="button" class="secondary" data-test="topology-refresh" disabled=${loading} onClick=${() => setAsked((n) => n + 1)}>
        ${loading ? 'Loading…' : 'Refresh'}
      </button>
    <//>
    <${ErrorNote} error=${error} onRetry=${() => setAsked((n) => n + 1)} />
    ${topology !== undefined && topology.problems.length > 0
      ? html`<ul class="muted" data-test="topology-problems" style=${{ margin: 0, paddingLeft: '18px', fontSize: '12.5px' }}>
          ${topology.problems.map((problem) => html`<li key=${problem}>${problem}</li>`)}
        </ul>`
      : null}
    ${topology === undefined
      ? error === undefined
        ? html`<p class="muted">Asking GRM for the topology…</p>`
        : null
      : topology.elements.length === 0
        ? html`<p class="muted" data-test="topology-empty">GRM has no topology loaded${topology.source === '' ? '' : ` (${topology.source})`}.</p>`
        : html`<div style=${{ display: 'flex', gap: '12px', flex: '1 1 auto', minHeight: 0 }}>
            <section class="panel" style=${{ flex: '1 1 auto', minWidth: 0, padding: 0, overflow: 'hidden' }}>
              <${FeederGraph} topology=${topology} minHeight=${300} />
            </section>
            <section class="panel" style=${{ flex: '0 0 330px', minWidth: 0, overflow: 'auto' }}>
              <${SwitchPanel} topology=${topology} />
              <${AssignmentPanel} topology=${topology} />
            </section>
          </div>`}
  </div>`;
}

function Summary(props: { topology: TopologyView }) {
  const { topology } = props;
  const inconsistent = topology.switches.filter((verdict) => !verdict.consistent).length;
  return html`<span class="muted" data-test="topology-summary" data-version=${topology.version}>
    ${topology.source} · version ${topology.version} · ${topology.elements.length} elements ·
    ${topology.switches.length === 0
      ? ' not verified'
      : inconsistent === 0
        ? html` <span style=${{ color: graphColours.consistent }} data-test="topology-verdict" data-consistent="true">verified consistent</span>`
        : html` <span style=${{ color: graphColours.inconsistent }} data-test="topology-verdict" data-consistent="false">${inconsistent === 1 ? '1 switch disagrees' : `${inconsistent} switches disagree`} with the data</span>`}
    ${topology.verifiedMs === undefined ? '' : ` (${formatTime(topology.verifiedMs)})`}
  </span>`;
}

function SwitchPanel(props: { topology: TopologyView }) {
  const { topology } = props;
  const verdicts = new Map(topology.switches.map((verdict) => [verdict.id, verdict]));
  const rows: SwitchRow[] = topology.elements
    .filter((element) => element.kind.toLowerCase() === 'switch')
    .map((element) => ({ id: element.id, name: element.name || element.id, recordedOpen: element.open === true, verdict: verdicts.get(element.id) }));
  const state = (open: boolean | undefined): string => (open === undefined ? '?' : open ? 'open' : 'closed');
  const columns: Column<SwitchRow>[] = [
    { id: 'name', title: 'Switch', render: (row) => row.name, sortValue: (row) => row.name },
    { id: 'recorded', title: 'Recorded', render: (row) => state(row.recordedOpen), sortValue: (row) => state(row.recordedOpen), width: '5.5em' },
    { id: 'supported', title: 'Data', render: (row) => (row.verdict === undefined ? '–' : state(row.verdict.supportedOpen)), width: '4em' },
    {
      id: 'verdict',
      title: 'Verdict',
      render: (row) => {
        const verdict = verdictOf(row.verdict);
        const text = row.verdict === undefined ? '–' : `${verdict === 'consistent' ? '✓' : '✗'} ${(row.verdict.confidence * 100).toFixed(0)} %`;
        const title =
          row.verdict === undefined
            ? 'not verified'
            : `${verdict === 'consistent' ? 'consistent with the data' : 'the data disagree'}, confidence ${(row.verdict.confidence * 100).toFixed(0)} %${row.verdict.equivalent ? `; cannot be told from ${row.verdict.equivalent}` : ''}`;
        return html`<span style=${{ color: graphColours[verdict], fontWeight: verdict === 'inconsistent' ? 600 : undefined }} title=${title}>${text}</span>`;
      },
      sortValue: (row) => (row.verdict === undefined ? 2 : row.verdict.consistent ? 1 : 0),
      width: '5em',
    },
  ];
  return html`<h2 style=${{ marginTop: 0, fontSize: '15px' }}>Switches (${rows.length})</h2>
    <${Table}
      data-test="switch-table"
      columns=${columns}
      rows=${rows}
      rowKey=${(row: SwitchRow) => row.id}
      rowAttributes=${(row: SwitchRow) => ({ 'data-test': 'switch-row', 'data-id': row.id, 'data-name': row.name, 'data-verdict': verdictOf(row.verdict) })}
      initialSort=${{ column: 'verdict', descending: false }}
      empty="The feeder has no switches."
    />`;
}

function AssignmentPanel(props: { topology: TopologyView }) {
  const { topology } = props;
  if (topology.assignment.length === 0) {
    return html`<p class="muted" data-test="assignment-none">No building assignment from BEMS-AA yet.</p>`;
  }
  const scores = topology.assignment.map((entry) => entry.score).filter((score) => Number.isFinite(score));
  const lowest = scores.length === 0 ? undefined : Math.min(...scores);
  const { unplaced } = placeAssignments(topology);
  return html`<h2 style=${{ fontSize: '15px' }}>Building assignment</h2>
    <p data-test="assignment-summary" data-count=${topology.assignment.length} style=${{ margin: '0 0 4px' }}>
      ${topology.assignment.length} buildings assigned${topology.assignedMs === undefined ? '' : ` at ${formatTime(topology.assignedMs)}`}${lowest === undefined ? '' : `; lowest score ${lowest.toFixed(2)}`}.
    </p>
    <p class="muted" style=${{ margin: 0 }}>Each building's label in the graph shows its monitoring point and score.</p>
    ${unplaced.length === 0
      ? null
      : html`<p data-test="assignment-unplaced" data-count=${unplaced.length}>
          Not found in the topology: ${unplaced.map((entry) => `${entry.building} -> ${entry.point.slice(0, 8)} (${entry.score.toFixed(2)})`).join(', ')}
        </p>`}`;
}

function sameTopology(a: TopologyView, b: TopologyView): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
