// Data points: find one by a part of its name and by tags (any or all), see its statistics, and
// chart it over a span (1 h, 1 d, 1 w, 1 month or any other) with M4-downsampled data.
// The chosen data point and span are in the path (/datapoints/<name>?span=1d, or ?from=&to=),
// so a chart can be bookmarked and reloaded.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { DataPointView, StatisticsView } from '../../api.js';
import { errorText, isAbort } from '../api-client.js';
import { Chart } from '../components/chart.js';
import { ErrorNote, PageHeader } from '../components/page-header.js';
import { Table, type Column } from '../components/table.js';
import { formatDuration } from '../components/time.js';
import type { PageProps } from '../page.js';
import { Link, pathOf } from '../router.js';

/**
 * A data point as listed. Storage knows each point's first and last entry (DataPointInfo); when
 * the backend passes them on, the spans end at the last entry instead of now, so a point whose
 * data stopped still shows its last hour.
 */
type ListedDataPoint = DataPointView & { firstTimestampMs?: number; lastTimestampMs?: number; entryCount?: number };

const presets = [
  { id: '1h', title: '1 h', ms: 3_600_000 },
  { id: '1d', title: '1 d', ms: 86_400_000 },
  { id: '1w', title: '1 w', ms: 7 * 86_400_000 },
  { id: '1mo', title: '1 month', ms: 30 * 86_400_000 },
] as const;
const defaultPreset = '1d';
/** Statistics wait for the chart's first draw at most this long. */
const statisticsFallbackMs = 1500;

interface Span {
  fromMs: number;
  toMs: number;
}

export function DatapointsPage(props: PageProps) {
  const { api, route } = props;
  const selected = route.rest[0];
  const [query, setQuery] = useState('');
  const [tags, setTags] = useState('');
  const [match, setMatch] = useState<'any' | 'all'>('any');
  const [results, setResults] = useState<ListedDataPoint[] | undefined>(undefined);
  const [searchError, setSearchError] = useState<string | undefined>(undefined);

  // Searching as one types, a quarter second after the last key.
  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api
        .get<ListedDataPoint[] | { dataPoints: ListedDataPoint[] }>('/api/datapoints', { q: query.trim(), tags: normaliseTags(tags), match }, { signal: abort.signal })
        .then((answer) => {
          setResults(Array.isArray(answer) ? answer : answer.dataPoints);
          setSearchError(undefined);
        })
        .catch((error: unknown) => {
          if (!isAbort(error)) setSearchError(errorText(error));
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, query, tags, match]);

  const columns: Column<ListedDataPoint>[] = [
    {
      id: 'name',
      title: 'Name',
      render: (row) => html`<${Link} href=${linkTo(row)} data-test="dp-link">${row.name}<//>`,
      sortValue: (row) => row.name,
      class: 'wrap',
    },
    { id: 'unit', title: 'Unit', render: (row) => row.unit ?? '', sortValue: (row) => row.unit ?? '', width: '3em' },
    { id: 'tags', title: 'Tags', render: (row) => row.tags.join(', '), class: 'wrap', width: '7em' },
  ];
  // Another data point keeps the span chosen.
  const linkTo = (row: ListedDataPoint): string => pathOf('datapoints', [row.name], route.query.toString() === '' ? undefined : Object.fromEntries(route.query));
  const listed = selected === undefined ? undefined : results?.find((row) => row.name === selected);

  return html`<div class="page datapoints-page" data-test="datapoints-page" style=${{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
    <${PageHeader} title="Data points" subtitle="Search by name and tags; pick one for its statistics and chart." />
    <div style=${{ display: 'flex', gap: '12px', flex: '1 1 auto', minHeight: 0 }}>
    <section class="panel" style=${{ flex: '0 0 340px', display: 'flex', flexDirection: 'column', minHeight: 0, minWidth: 0 }}>
      <form
        class="search"
        style=${{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) auto', gap: '6px', marginBottom: '8px' }}
        onSubmit=${(event: Event) => event.preventDefault()}
      >
        <input
          type="search"
          placeholder="name contains…"
          aria-label="Name contains"
          data-test="dp-search"
          value=${query}
          onInput=${(event: Event) => setQuery((event.currentTarget as HTMLInputElement).value)}
          style=${{ gridColumn: '1 / 3', width: '100%', boxSizing: 'border-box' }}
        />
        <input
          type="text"
          placeholder="tags, comma separated"
          aria-label="Tags"
          data-test="dp-tags"
          style=${{ width: '100%', boxSizing: 'border-box' }}
          value=${tags}
          onInput=${(event: Event) => setTags((event.currentTarget as HTMLInputElement).value)}
        />
        <select
          aria-label="Tags to match"
          data-test="dp-match"
          value=${match}
          onChange=${(event: Event) => setMatch((event.currentTarget as HTMLSelectElement).value === 'all' ? 'all' : 'any')}
        >
          <option value="any">any tag</option>
          <option value="all">all tags</option>
        </select>
      </form>
      <${ErrorNote} error=${searchError} />
      <div class="muted" data-test="dp-count" style=${{ marginBottom: '4px' }}>
        ${results === undefined ? 'searching…' : `${results.length} data point${results.length === 1 ? '' : 's'}`}
      </div>
      <div style=${{ flex: '1 1 auto', minHeight: 0, overflow: 'auto' }}>
        <${Table}
          data-test="dp-results"
          columns=${columns}
          rows=${results ?? []}
          rowKey=${(row: ListedDataPoint) => row.name}
          rowAttributes=${(row: ListedDataPoint) => ({
            'data-test': 'dp-row',
            'data-name': row.name,
            class: row.name === selected ? 'row-selected' : undefined,
            'aria-selected': row.name === selected,
          })}
          empty=${results === undefined ? 'searching…' : 'No data point matches.'}
        />
      </div>
    </section>
    <section class="panel" style=${{ flex: '1 1 auto', minWidth: 0, overflow: 'auto' }}>
      ${selected === undefined
        ? html`<p class="muted" data-test="dp-none">Pick a data point on the left to see its statistics and chart.</p>`
        : html`<${DataPointDetail} key=${selected} name=${selected} listed=${listed} ...${props} />`}
    </section>
    </div>
  </div>`;
}

function normaliseTags(text: string): string {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '')
    .join(',');
}

function DataPointDetail(props: PageProps & { name: string; listed: ListedDataPoint | undefined }) {
  const { api, route, navigate, name, listed } = props;
  const presetId = route.query.get('span') ?? (route.query.has('from') ? 'custom' : defaultPreset);
  const span = spanOf(route.query, listed);
  const [statsOfSpan, setStatsOfSpan] = useState(false);
  const [customFrom, setCustomFrom] = useState(toLocalInput(span.fromMs));
  const [customTo, setCustomTo] = useState(toLocalInput(span.toMs));
  const [customOpen, setCustomOpen] = useState(presetId === 'custom');
  // The chart is asked first and the statistics once it is drawn (or failed): storage answers one
  // request at a time, and the statistics of a month (a pass over every entry) would otherwise
  // delay the chart. Keyed by the span, so statistics of a new span also wait for its chart; a
  // chart that takes long lets them go after statisticsFallbackMs anyway.
  const spanKey = `${span.fromMs}|${span.toMs}`;
  const [settledSpanKey, setSettledSpanKey] = useState<string | undefined>(undefined);
  useEffect(() => {
    const timer = setTimeout(() => setSettledSpanKey(spanKey), statisticsFallbackMs);
    return () => clearTimeout(timer);
  }, [spanKey]);
  const statisticsMayAsk = statsOfSpan ? settledSpanKey === spanKey : settledSpanKey !== undefined;

  // A span chosen (even the one shown) starts the chart afresh, without the zoom steps taken in it.
  const [chartEpoch, setChartEpoch] = useState(0);
  const goPreset = (id: string): void => {
    setCustomOpen(false);
    setChartEpoch((epoch) => epoch + 1);
    navigate(pathOf('datapoints', [name], { span: id }));
  };
  const applyCustom = (event: Event): void => {
    event.preventDefault();
    const fromMs = new Date(customFrom).getTime();
    const toMs = new Date(customTo).getTime();
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return;
    setChartEpoch((epoch) => epoch + 1);
    navigate(pathOf('datapoints', [name], { from: String(fromMs), to: String(toMs) }));
  };
  const customValid = (() => {
    const fromMs = new Date(customFrom).getTime();
    const toMs = new Date(customTo).getTime();
    return Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs;
  })();

  return html`<div class="datapoint-detail" data-test="dp-detail" data-name=${name}>
    <h2 style=${{ margin: '0 0 2px', overflowWrap: 'anywhere' }} data-test="dp-title">
      ${name}${listed?.unit === undefined || listed.unit === '' ? '' : html` <span class="muted">[${listed.unit}]</span>`}
    </h2>
    ${listed?.description === undefined || listed.description === '' ? null : html`<p class="muted" style=${{ margin: '0 0 4px', fontSize: '12.5px' }}>${listed.description}</p>`}
    <${StatisticsPanel} api=${api} name=${name} unit=${listed?.unit} span=${statsOfSpan ? span : undefined} enabled=${statisticsMayAsk} />
    <label class="check" style=${{ margin: '4px 0 6px', fontSize: '12.5px' }}>
      <input type="checkbox" data-test="stats-of-span" checked=${statsOfSpan} onChange=${(event: Event) => setStatsOfSpan((event.currentTarget as HTMLInputElement).checked)} />
      statistics of the chart's span (else of every entry)
    </label>
    <div class="span-presets" role="group" aria-label="Span" style=${{ display: 'flex', gap: '4px', flexWrap: 'wrap', alignItems: 'center', marginBottom: '6px' }}>
      ${presets.map(
        (preset) => html`<button
          type="button"
          key=${preset.id}
          class=${presetId === preset.id ? 'primary' : 'secondary'}
          aria-pressed=${presetId === preset.id}
          data-test=${`span-${preset.id}`}
          onClick=${() => goPreset(preset.id)}
        >${preset.title}</button>`,
      )}
      <button
        type="button"
        class=${presetId === 'custom' ? 'primary' : 'secondary'}
        aria-pressed=${presetId === 'custom'}
        data-test="span-custom"
        onClick=${() => {
          setCustomFrom(toLocalInput(span.fromMs));
          setCustomTo(toLocalInput(span.toMs));
          setCustomOpen(!customOpen);
        }}
      >custom…</button>
      ${customOpen
        ? html`<form onSubmit=${applyCustom} style=${{ display: 'inline-flex', gap: '4px', alignItems: 'center' }}>
            <input type="datetime-local" step="1" aria-label="From" data-test="span-from" value=${customFrom} onInput=${(event: Event) => setCustomFrom((event.currentTarget as HTMLInputElement).value)} />
            –
            <input type="datetime-local" step="1" aria-label="To" data-test="span-to" value=${customTo} onInput=${(event: Event) => setCustomTo((event.currentTarget as HTMLInputElement).value)} />
            <button type="submit" data-test="span-apply" disabled=${!customValid}>Apply</button>
          </form>`
        : null}
    </div>
    <${Chart}
      key=${chartEpoch}
      dataPoint=${name}
      fromMs=${span.fromMs}
      toMs=${span.toMs}
      unit=${listed?.unit}
      height=${260}
      load=${(path: string, query: Record<string, number>, signal: AbortSignal) => api.bytes(path, query, { signal })}
      onSettled=${() => setSettledSpanKey(spanKey)}
    />
  </div>`;
}

/** The span the path asks for: ?from=&to= (custom), else a preset ending at the last entry or now. */
function spanOf(query: URLSearchParams, listed: ListedDataPoint | undefined): Span {
  const from = Number(query.get('from'));
  const to = Number(query.get('to'));
  if (query.has('from') && query.has('to') && Number.isFinite(from) && Number.isFinite(to) && to > from) return { fromMs: from, toMs: to };
  const preset = presets.find((candidate) => candidate.id === query.get('span')) ?? presets.find((candidate) => candidate.id === defaultPreset)!;
  // Whole seconds after the last entry (the span's end is exclusive), or the next whole minute:
  // the same span for every render within a minute.
  const end = listed?.lastTimestampMs !== undefined && Number.isFinite(listed.lastTimestampMs) ? Math.floor(listed.lastTimestampMs / 1000) * 1000 + 1000 : Math.ceil(Date.now() / 60_000) * 60_000;
  return { fromMs: end - preset.ms, toMs: end };
}

function toLocalInput(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

// ---------------------------------------------------------------- statistics

function StatisticsPanel(props: { api: PageProps['api']; name: string; unit: string | undefined; span: Span | undefined; enabled: boolean }) {
  const { api, name, span, enabled } = props;
  const [stats, setStats] = useState<StatisticsView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    setError(undefined);
    api
      .get<StatisticsView>(
        `/api/datapoints/${encodeURIComponent(name)}/statistics`,
        span === undefined ? undefined : { from: span.fromMs, to: span.toMs },
        { signal: abort.signal },
      )
      .then((answer) => setStats(answer))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(errorText(failure));
      });
    return () => abort.abort();
  }, [api, name, span?.fromMs, span?.toMs, enabled]);

  if (error !== undefined) return html`<div class="error-note" role="alert" data-test="dp-stats-error">Statistics: ${error}</div>`;
  if (stats === undefined) return html`<div class="muted" data-test="dp-stats-loading">statistics…</div>`;
  const unit = props.unit === undefined || props.unit === '' ? '' : ` ${props.unit}`;
  const value = (v: number | undefined): string => (v === undefined ? '–' : `${formatNumber(v)}${unit}`);
  const interval = (ci: { low: number; high: number } | undefined): string => (ci === undefined ? '–' : `${formatNumber(ci.low)} … ${formatNumber(ci.high)}${unit}`);
  const frequency = numberField(stats, 'updateFrequencyHz', 'update_frequency_hz');
  const rows: [string, string, string][] = [
    ['count', 'Count', formatCount(numberField(stats, 'count'))],
    ['min', 'Min', value(numberField(stats, 'min'))],
    ['max', 'Max', value(numberField(stats, 'max'))],
    ['mean', 'Mean', value(numberField(stats, 'mean'))],
    ['std', 'Std deviation', value(numberField(stats, 'stdDeviation', 'std_deviation', 'std'))],
    ['ci95', '95 % CI of mean', interval(intervalField(stats, 'confidence95', 'confidence_95'))],
    ['ci99', '99 % CI of mean', interval(intervalField(stats, 'confidence99', 'confidence_99'))],
    ['frequency', 'Update frequency', frequency === undefined ? '–' : formatFrequency(frequency)],
    ['delay', 'Delay (mean, min…max)', formatDelay(stats)],
  ];
  return html`<dl
    class="stats"
    data-test="dp-stats"
    style=${{ display: 'grid', gridTemplateColumns: 'repeat(3, auto 1fr)', gap: '1px 10px', margin: 0, fontSize: '12.5px' }}
  >
    ${rows.map(
      ([id, title, text]) => html`<dt key=${`${id}-t`} class="muted">${title}</dt><dd key=${`${id}-d`} data-test=${`stat-${id}`} style=${{ margin: 0, fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>${text}</dd>`,
    )}
  </dl>`;
}

/** A number field of the statistics JSON under any of its spellings (camelCase from the backend). */
function numberField(stats: StatisticsView, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = stats[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value); // ulong as text
  }
  return undefined;
}

function intervalField(stats: StatisticsView, ...names: string[]): { low: number; high: number } | undefined {
  for (const name of names) {
    const value = stats[name] as { low?: unknown; high?: unknown } | null | undefined;
    if (typeof value === 'object' && value !== null && typeof value.low === 'number' && typeof value.high === 'number') return { low: value.low, high: value.high };
  }
  return undefined;
}

function formatDelay(stats: StatisticsView): string {
  const mean = numberField(stats, 'delayMeanMs', 'delay_mean_ms');
  if (mean === undefined) return '–';
  const min = numberField(stats, 'delayMinMs', 'delay_min_ms');
  const max = numberField(stats, 'delayMaxMs', 'delay_max_ms');
  const range = min === undefined || max === undefined ? '' : ` (${formatDuration(min)} … ${formatDuration(max)})`;
  return `${formatDuration(mean)}${range}`;
}

function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) return value.toExponential(3);
  return value.toLocaleString(undefined, { maximumFractionDigits: abs >= 100 ? 2 : 4 });
}

function formatCount(value: number | undefined): string {
  return value === undefined ? '–' : Math.round(value).toLocaleString();
}

function formatFrequency(hz: number): string {
  if (hz >= 0.5) return `${formatNumber(hz)} Hz`;
  if (hz <= 0) return '–';
  return `every ${formatDuration(1000 / hz)}`;
}
