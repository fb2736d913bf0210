/**
 * The screen of `gridlink console` as plain lines: a pure function of the
 * console state and the terminal size, so it is tested without a terminal.
 * Each line carries a style; tools/console/terminal.ts turns styles into
 * ANSI colours after truncating the text to the width.
 */
import type { ChildInfo, SupervisorEvent } from '../../schemas/generated/messages.js';

export type LineStyle = 'plain' | 'title' | 'heading' | 'selected' | 'alert' | 'warn' | 'dim' | 'help';

export interface ScreenLine {
  readonly text: string;
  readonly style: LineStyle;
}

/** One row of the flattened tree. */
export interface TreeRow {
  readonly info: ChildInfo;
  readonly depth: number;
}

export type Connection = 'connecting' | 'connected' | 'agent not answering';

export interface ConsoleState {
  /** Host name of the agent (TreeReply.host, or its registry record until the first reply). */
  readonly host: string;
  readonly cluster: string;
  readonly connection: Connection;
  /** When the last TreeReply arrived (ms since the epoch), if ever. */
  readonly lastTreeAtMs?: number;
  readonly root?: ChildInfo;
  /** Path of the selected node. */
  readonly selected?: string;
  /** Newest last. */
  readonly events: readonly SupervisorEvent[];
  /** Log lines of the selected child, oldest first, and whose they are. */
  readonly logChild?: string;
  readonly logLines: readonly string[];
  /** The reply to the last key action, or a hint. */
  readonly status?: { readonly text: string; readonly style: LineStyle };
}

export const HELP_LINE = '↑↓ select  r restart  s stop  S start  f force stop  l logs  q quit';
export const EVENT_LINES = 10;

/** The tree in display order (depth first, as the agent lists children). */
export function flattenTree(root: ChildInfo | undefined): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (info: ChildInfo, depth: number): void => {
    rows.push({ info, depth });
    for (const child of info.children ?? []) walk(child, depth + 1);
  };
  if (root) walk(root, 0);
  return rows;
}

const COLUMNS = [
  { title: 'NAME', width: 24 },
  { title: 'STATE', width: 11 },
  { title: 'PID', width: 8 },
  { title: 'UPTIME', width: 9 },
  { title: 'RESTARTS', width: 9 },
  { title: 'MEMORY', width: 10 },
  { title: 'CPU', width: 7 },
] as const;

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.width ?? 0;
      return i === cells.length - 1 ? cell : fit(cell, width - 1).padEnd(width);
    })
    .join('')
    .trimEnd();
}

/** Cuts text to at most `width` characters (code points), marking a cut with "…". */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return chars.slice(0, width - 1).join('') + '…';
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
  return `${Math.floor(ms / 86_400_000)}d${Math.floor((ms % 86_400_000) / 3_600_000)}h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** One tree row as text, without the selection marker. */
export function treeRowText(info: ChildInfo, depth: number): string {
  const worker = info.kind === 'Worker';
  const running = info.state === 'Running';
  return row([
    `${'  '.repeat(depth)}${info.name ?? '?'}`,
    info.state,
    worker && info.pid ? String(info.pid) : '-',
    running ? formatDuration(info.uptimeMs) : '-',
    String(info.restarts),
    worker && info.pid && info.memoryBytes ? formatBytes(info.memoryBytes) : '-',
    worker && info.pid ? `${info.cpuPercent.toFixed(1)}%` : '-',
  ]);
}

/** Restarts and escalations stand out; refusals and back-offs warn. */
export function eventStyle(kind: SupervisorEvent['kind']): LineStyle {
  switch (kind) {
    case 'Restarted':
    case 'Escalated':
      return 'alert';
    case 'BackingOff':
    case 'Refused':
    case 'Exited':
      return 'warn';
    default:
      return 'plain';
  }
}

export function eventText(event: SupervisorEvent): string {
  const time = new Date(event.atMs).toISOString().slice(11, 19);
  const mark = event.kind === 'Restarted' || event.kind === 'Escalated' ? '!' : ' ';
  const parts = [
    event.pid ? `pid ${event.pid}` : '',
    event.exitCode >= 0 ? `exit code ${event.exitCode}` : '',
    event.signal ?? '',
    event.message ?? '',
  ];
  // The agent's message often repeats the signal or exit code: show each part once.
  const details = [...new Set(parts)].filter((part) => part !== '');
  return `${mark} ${time} ${event.kind.padEnd(10)} ${event.child ?? '?'}${details.length ? `  ${details.join(', ')}` : ''}`;
}

/**
 * The screen: exactly `height` lines (fewer only if height < 1), none longer
 * than `width` characters. The help line is always the last line and the
 * status line the one above it; the tree, events and log share the rest,
 * cut from the bottom when the terminal is short.
 */
export function renderScreen(state: ConsoleState, width: number, height: number, nowMs: number): ScreenLine[] {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  const age = state.lastTreeAtMs === undefined ? 'never' : `${formatDuration(Math.max(0, nowMs - state.lastTreeAtMs))} ago`;
  const body: ScreenLine[] = [
    {
      text: `gridlink console  host ${state.host}  cluster ${state.cluster}  ${state.connection}  refreshed ${age}`,
      style: state.connection === 'agent not answering' ? 'alert' : 'title',
    },
    { text: `  ${row(COLUMNS.map((c) => c.title))}`, style: 'heading' },
  ];
  const rows = flattenTree(state.root);
  if (rows.length === 0) body.push({ text: '  (no tree yet)', style: 'dim' });
  // A tree taller than its room scrolls so the selected row stays on screen;
  // the events and the log keep up to 8 lines when the terminal allows.
  const fixed = 8; // header, column heading, two blank lines, two titles, status, help
  const treeRoom = Math.max(3, h - fixed - Math.min(8, Math.max(0, h - fixed - 10)));
  let first = 0;
  let count = rows.length;
  if (rows.length > treeRoom) {
    count = Math.max(1, treeRoom - 2); // a line each for the "more" marks
    const selectedIndex = Math.max(0, rows.findIndex((r) => r.info.path === state.selected));
    first = Math.min(rows.length - count, Math.max(0, selectedIndex - Math.floor(count / 2)));
  }
  if (first > 0) body.push({ text: `  ↑ ${first} more`, style: 'dim' });
  for (const { info, depth } of rows.slice(first, first + count)) {
    const selected = info.path !== undefined && info.path === state.selected;
    const style: LineStyle = selected ? 'selected' : info.state === 'Failed' || info.state === 'BackingOff' ? 'warn' : 'plain';
    body.push({ text: `${selected ? '>' : ' '} ${treeRowText(info, depth)}`, style });
  }
  if (first + count < rows.length) body.push({ text: `  ↓ ${rows.length - first - count} more`, style: 'dim' });
  body.push({ text: '', style: 'plain' }, { text: 'Recent events', style: 'heading' });
  // The events and the log share what is left below the tree (events up to 10 lines, the newest).
  const below = Math.max(0, h - 2 - body.length - 3);
  const events = state.events.slice(-Math.min(EVENT_LINES, Math.max(1, Math.ceil(below / 2))));
  if (events.length === 0) body.push({ text: '  (none yet)', style: 'dim' });
  for (const event of events) body.push({ text: eventText(event), style: eventStyle(event.kind) });
  body.push({ text: '', style: 'plain' }, { text: `Log of ${state.logChild ?? state.selected ?? '(nothing selected)'}`, style: 'heading' });
  if (h < 1) return [];
  const bodyRoom = Math.max(0, h - 2);
  // The log gets what is left, newest lines last.
  const logRoom = Math.max(0, bodyRoom - body.length);
  const logs = state.logLines.length === 0 ? [{ text: '  (no lines)', style: 'dim' as const }] : state.logLines.slice(-Math.max(1, logRoom)).map((text) => ({ text: `  ${text}`, style: 'plain' as const }));
  const lines = [...body, ...logs].slice(0, bodyRoom);
  while (lines.length < bodyRoom) lines.push({ text: '', style: 'plain' });
  if (h >= 2) lines.push(state.status ?? { text: '', style: 'plain' });
  lines.push({ text: HELP_LINE, style: 'help' });
  return lines.map((line) => ({ text: fit(clean(line.text), w), style: line.style }));
}

/** Control characters in log lines or names would move the cursor: show them as spaces. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
