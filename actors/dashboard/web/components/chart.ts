// A time chart of one data point over any span, drawn by uPlot from the M4-downsampled answer of
// GET /api/datapoints/:name/chart: at most four points per pixel column of the plot (first, last,
// smallest, largest), so a month of 1 Hz data (2.6 million entries) arrives as a few thousand
// points and draws like any small series, with the same picture the raw entries would give.
//
// Zoom: drag across the plot selects a span, which is fetched again at full resolution (a new
// M4 of the narrower span, not a stretch of the old points). "Zoom out" goes back one step,
// "Reset" to the span the page asked for. The time axis is local time (uPlot's default).
//
// For the end-to-end test and the benchmark, the chart's root element (data-test="chart") gets,
// after each draw of new data: data-drawn-ms (performance.now() when drawn), data-fetch-ms
// (request to parsed bytes), data-draw-ms (parsed bytes to drawn), data-points, data-source-entries;
// and the performance marks 'chart-request', 'chart-data', 'chart-drawn' are set.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { ApiError } from '../../api.js';
import { parseChartBytes, type ChartSeries } from './chart-data.js';

export interface ChartProps {
  dataPoint: string;
  fromMs: number;
  toMs: number;
  unit?: string;
  /** Plot height in CSS pixels (the axes included). */
  height?: number;
  /**
   * Fetches a binary answer (the page passes its ApiClient's `bytes`, which handles a session
   * that ended); without it, plain fetch.
   */
  load?: (path: string, query: Record<string, number>, signal: AbortSignal) => Promise<ArrayBuffer>;
  /**
   * Called once the data of a fetch is drawn, or the fetch failed: a page holds back its other
   * storage requests until then, since storage answers one request at a time and the chart
   * should not wait behind them.
   */
  onSettled?: () => void;
}

interface Span {
  fromMs: number;
  toMs: number;
}

interface DrawnInfo {
  points: number;
  sourceEntries: number;
  fetchMs: number;
  drawMs: number;
}

/** Narrowest span a drag may select: below it a zoom shows nothing new. */
const minimumSpanMs = 10;

export function Chart(props: ChartProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const plotHostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // The span on the x axis; read by uPlot's range function, so the axis shows the asked span
  // even where the data begin later or end earlier.
  const spanRef = useRef<Span>({ fromMs: props.fromMs, toMs: props.toMs });
  // Set when new data was handed to uPlot; the next draw hook reports it and clears it.
  const pendingRef = useRef<{ arrivedAt: number; requestedAt: number; series: ChartSeries } | null>(null);
  // Zoom steps over the page's span; a new span from the page (a preset, another data point)
  // starts without them. Derived, not synchronised by an effect, so no fetch of a stale span runs.
  const baseKey = `${props.dataPoint}|${props.fromMs}|${props.toMs}`;
  const [zoom, setZoom] = useState<{ baseKey: string; stack: Span[] }>({ baseKey, stack: [] });
  const zoomStack = zoom.baseKey === baseKey ? zoom.stack : [];
  const span: Span = zoomStack[zoomStack.length - 1] ?? { fromMs: props.fromMs, toMs: props.toMs };
  const zoomRef = useRef({ baseKey, stack: zoomStack });
  zoomRef.current = { baseKey, stack: zoomStack };
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState<DrawnInfo | null>(null);
  const height = props.height ?? 300;
  const unitRef = useRef('');
  unitRef.current = props.unit === undefined || props.unit === '' ? '' : ` ${props.unit}`;
  // Read when settled (the hooks are made once per plot, the page's callback changes each render).
  const onSettledRef = useRef(props.onSettled);
  onSettledRef.current = props.onSettled;

  // The plot itself, made once per data point (its label and unit are part of the options).
  useEffect(() => {
    const host = plotHostRef.current;
    if (host === null) return;
    const onSelect = (plot: uPlot): void => {
      const { left, width } = plot.select;
      plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      if (width < 2) return;
      const fromMs = plot.posToVal(left, 'x');
      const toMs = plot.posToVal(left + width, 'x');
      if (!(toMs - fromMs >= minimumSpanMs)) return;
      const { baseKey: key, stack } = zoomRef.current;
      setZoom({ baseKey: key, stack: [...stack, { fromMs: Math.round(fromMs), toMs: Math.round(toMs) }] });
    };
    const onDraw = (): void => {
      const pending = pendingRef.current;
      if (pending === null) return;
      pendingRef.current = null;
      const drawnAt = performance.now();
      performance.mark('chart-drawn');
      const info: DrawnInfo = {
        points: pending.series.timestampsMs.length,
        sourceEntries: pending.series.sourceEntries,
        fetchMs: pending.arrivedAt - pending.requestedAt,
        drawMs: drawnAt - pending.arrivedAt,
      };
      const root = rootRef.current;
      if (root !== null) {
        // Written straight to the element: a test waits for the attribute, not for a render.
        root.dataset.points = String(info.points);
        root.dataset.sourceEntries = String(info.sourceEntries);
        root.dataset.fetchMs = info.fetchMs.toFixed(1);
        root.dataset.drawMs = info.drawMs.toFixed(1);
        root.dataset.drawnMs = drawnAt.toFixed(1);
      }
      setDrawn(info);
      onSettledRef.current?.();
    };
    const options: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height,
      ms: 1,
      scales: {
        x: { time: true, range: () => [spanRef.current.fromMs, spanRef.current.toMs] },
      },
      series: [
        {},
        {
          label: props.dataPoint,
          stroke: '#1f6feb',
          width: 1,
          // The unit may arrive after the plot was made (the page's search answers later): read it
          // when shown rather than making the plot again and fetching twice.
          value: (_plot: uPlot, value: number | null) => (value === null ? '–' : `${formatValue(value)}${unitRef.current}`),
        },
      ],
      axes: [{}, { size: 64 }],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: { setSelect: [onSelect], draw: [onDraw] },
    };
    const plot = new uPlot(options, [new Float64Array(0), new Float64Array(0)], host);
    plotRef.current = plot;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, host.clientWidth);
      if (Math.abs(width - plot.width) >= 1) plot.setSize({ width, height });
    });
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [props.dataPoint, height]);

  // Fetch and draw the span: again after every zoom.
  useEffect(() => {
    const plot = plotRef.current;
    if (plot === null) return;
    const abort = new AbortController();
    spanRef.current = span;
    // bbox is in canvas pixels, i.e. device pixels: the M4 answer then has one column per pixel.
    const pixels = Math.max(1, Math.min(100_000, Math.round(plot.bbox.width > 0 ? plot.bbox.width : plot.width * devicePixelRatio)));
    const path = `/api/datapoints/${encodeURIComponent(props.dataPoint)}/chart`;
    const query = { from: span.fromMs, to: span.toMs, pixels };
    const load = props.load ?? fetchBytes;
    setLoading(true);
    setError(null);
    performance.mark('chart-request');
    const requestedAt = performance.now();
    void (async () => {
      try {
        const bytes = await load(path, query, abort.signal);
        if (abort.signal.aborted) return;
        const series = parseChartBytes(bytes);
        performance.mark('chart-data');
        pendingRef.current = { arrivedAt: performance.now(), requestedAt, series };
        // uPlot takes typed arrays as they are: the views into the response are drawn directly.
        plot.setData([series.timestampsMs, series.values]);
        setLoading(false);
      } catch (failure) {
        if (abort.signal.aborted) return;
        setLoading(false);
        setError(failure instanceof Error ? failure.message : String(failure));
        onSettledRef.current?.();
      }
    })();
    return () => abort.abort();
  }, [props.dataPoint, height, span.fromMs, span.toMs]);

  const zoomOut = (): void => setZoom({ baseKey, stack: zoomStack.slice(0, -1) });
  const reset = (): void => setZoom({ baseKey, stack: [] });
  const zoomed = zoomStack.length > 0;

  return html`<div class="chart" data-test="chart" data-data-point=${props.dataPoint} data-from=${span.fromMs} data-to=${span.toMs} ref=${rootRef}>
    <div class="chart-toolbar" style=${{ display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap', fontSize: '12.5px' }}>
      <span class="chart-span" data-test="chart-span">${formatSpan(span)}</span>
      <button type="button" class="secondary small-button" data-test="chart-zoom-out" disabled=${!zoomed} onClick=${zoomOut}>Zoom out</button>
      <button type="button" class="secondary small-button" data-test="chart-reset" disabled=${!zoomed} onClick=${reset}>Reset</button>
      <span class="chart-status muted" data-test="chart-status" title="Drag across the plot to zoom into a span">
        ${loading ? 'loading…' : drawn === null ? '' : drawnText(drawn)}
      </span>
    </div>
    ${error === null ? null : html`<div class="error" role="alert" data-test="chart-error">${error}</div>`}
    <div class="chart-plot" ref=${plotHostRef} style=${{ width: '100%', minHeight: `${height}px` }}></div>
  </div>`;
}

function formatValue(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs >= 1e7 || abs < 1e-3) ? value.toExponential(3) : String(Math.round(value * 1e4) / 1e4);
}

function drawnText(info: DrawnInfo): string {
  const of = info.sourceEntries > 0 ? ` of ${Math.round(info.sourceEntries).toLocaleString()}` : '';
  return `${info.points.toLocaleString()}${of} entries drawn (M4) · fetched in ${Math.round(info.fetchMs)} ms, drawn in ${Math.round(info.drawMs)} ms`;
}

function formatSpan(span: Span): string {
  const format = (ms: number): string =>
    new Date(ms).toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `${format(span.fromMs)} – ${format(span.toMs)}`;
}

async function fetchBytes(path: string, query: Record<string, number>, signal: AbortSignal): Promise<ArrayBuffer> {
  const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
  const response = await fetch(`${path}?${search}`, { credentials: 'same-origin', signal, headers: { Accept: 'application/octet-stream' } });
  if (!response.ok) throw new Error(await failureText(response));
  return response.arrayBuffer();
}

async function failureText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as Partial<ApiError>;
    if (typeof body.message === 'string') return `${response.status} ${body.code ?? ''}: ${body.message}`;
  } catch {
    // not JSON: the status says enough
  }
  return `${response.status} ${response.statusText}`;
}
