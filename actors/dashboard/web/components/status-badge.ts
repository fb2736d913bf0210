// One look for every state in the dashboard: a coloured pill whose colour says good / attention /
// bad / inactive, with the state's own word inside (colour is never the only signal).
import { html } from 'htm/preact';

export type Tone = 'good' | 'warn' | 'bad' | 'muted' | 'info';

const tones: Record<string, Tone> = {
  running: 'good',
  up: 'good',
  ok: 'good',
  succeeded: 'good',
  installed: 'good',
  cleared: 'muted',
  started: 'good',
  restarted: 'warn',
  starting: 'warn',
  connecting: 'warn',
  stopping: 'warn',
  'backing-off': 'warn',
  backingoff: 'warn',
  acknowledged: 'warn',
  shelved: 'info',
  added: 'info',
  raised: 'bad',
  down: 'bad',
  failed: 'bad',
  exited: 'bad',
  escalated: 'bad',
  refused: 'bad',
  crashed: 'bad',
  stopped: 'muted',
  absent: 'muted',
};

export function toneOf(state: string): Tone {
  return tones[state.toLowerCase()] ?? 'info';
}

export function StatusBadge(props: { state: string; tone?: Tone; title?: string }) {
  const tone = props.tone ?? toneOf(props.state);
  return html`<span class=${`badge badge-${tone}`} data-test="status-badge" data-state=${props.state} title=${props.title}>${props.state}</span>`;
}

const severityTones: Record<string, Tone> = { info: 'info', warning: 'warn', minor: 'warn', major: 'bad', critical: 'bad' };

/** Alarm severities from Info to Critical; Critical is drawn solid. */
export function SeverityBadge(props: { severity: string }) {
  const tone = severityTones[props.severity.toLowerCase()] ?? 'info';
  const solid = props.severity.toLowerCase() === 'critical' ? ' badge-solid' : '';
  return html`<span class=${`badge badge-${tone}${solid}`} data-test="severity-badge" data-severity=${props.severity}>${props.severity}</span>`;
}
