// The progress of one app operation (install, upgrade, rollback, configure, remove, start, stop)
// as it happens: the AppManager's stages from `app-event` live messages, the end from the
// `operation` message, then the apps afterwards or the error. The operation is also read from
// GET /api/operations/:id at the start (events that came before the page listened) and every few
// seconds while it runs, so a dropped live socket never leaves it "running" forever.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { AppView, OperationView } from '../../../api.js';
import { errorText, isAbort, type ApiClient } from '../../api-client.js';
import { StatusBadge } from '../../components/status-badge.js';
import { formatFullTime, formatTime } from '../../components/time.js';
import { useLive, type LiveClient } from '../../live.js';

const POLL_MS = 3000;

type OperationEvent = OperationView['events'][number];

const eventKey = (event: OperationEvent): string => `${event.timeMs}|${event.stage}|${event.name}|${event.message}`;

/** Both lists' events once each, in time order. */
function mergeEvents(a: OperationEvent[], b: OperationEvent[]): OperationEvent[] {
  const seen = new Map<string, OperationEvent>();
  for (const event of [...a, ...b]) seen.set(eventKey(event), event);
  return [...seen.values()].sort((x, y) => x.timeMs - y.timeMs);
}

/** A newer view of the operation wins for its state and result; the events are the union. */
function mergeOperation(known: OperationView, fresh: OperationView): OperationView {
  const finished = known.state !== 'running' ? known : fresh;
  return { ...finished, events: mergeEvents(known.events, fresh.events) };
}

/** The operation kept up to date from live messages and polling. */
export function useOperation(api: ApiClient, live: LiveClient, started: OperationView): { operation: OperationView; pollError: string | undefined } {
  const [operation, setOperation] = useState(started);
  const [pollError, setPollError] = useState<string | undefined>(undefined);
  const id = started.operationId;

  useLive(live, 'app-event', (message) => {
    if (message.operationId !== id) return;
    const event: OperationEvent = { stage: message.stage, name: message.name, version: message.version, message: message.message, timeMs: message.timeMs };
    setOperation((known) => ({ ...known, events: mergeEvents(known.events, [event]) }));
  });
  useLive(live, 'operation', (message) => {
    if (message.operation.operationId === id) setOperation((known) => mergeOperation(known, message.operation));
  });

  const running = operation.state === 'running';
  useEffect(() => {
    if (!running) return;
    const abort = new AbortController();
    const poll = (): void => {
      api
        .get<OperationView>(`/api/operations/${encodeURIComponent(id)}`, undefined, { signal: abort.signal })
        .then((fresh) => {
          setPollError(undefined);
          setOperation((known) => mergeOperation(known, fresh));
        })
        .catch((error: unknown) => {
          if (!isAbort(error)) setPollError(errorText(error));
        });
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [api, id, running]);

  return { operation, pollError };
}

/** "failed" and "error" stages are bad, "refused" and "rolling-back" need attention. */
function stageTone(stage: string): 'good' | 'warn' | 'bad' | 'info' {
  if (stage === 'error' || stage === 'failed' || stage === 'rolled-back' || stage === 'config-rejected') return 'bad';
  if (stage === 'refused' || stage === 'rolling-back' || stage === 'stopping' || stage === 'placed') return 'warn';
  if (['installed', 'registered', 'health-ok', 'configured', 'removed', 'stopped', 'started', 'verified'].includes(stage)) return 'good';
  return 'info';
}

export function AppsAfterwards(props: { apps: AppView[] }) {
  if (props.apps.length === 0) return html`<p class="muted" data-test="operation-result">No apps are installed now.</p>`;
  return html`<table class="table compact" data-test="operation-result">
    <thead><tr><th>App</th><th>Version</th><th>State</th><th>Host</th><th class="wrap">Detail</th></tr></thead>
    <tbody>
      ${props.apps.map(
        (app) => html`<tr key=${app.name} data-test="result-app" data-name=${app.name} data-state=${app.state}>
          <td><strong>${app.name}</strong></td><td>${app.version}</td><td><${StatusBadge} state=${app.state} /></td><td>${app.host || '–'}</td><td class="wrap reason">${app.detail}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The list of stages so far, and the outcome when there is one. */
export function OperationProgress(props: { api: ApiClient; live: LiveClient; started: OperationView; onFinished?: (operation: OperationView) => void }) {
  const { operation, pollError } = useOperation(props.api, props.live, props.started);
  const finished = operation.state !== 'running';
  useEffect(() => {
    if (finished) props.onFinished?.(operation);
  }, [finished]);

  return html`<div class="operation" data-test="operation" data-operation=${operation.operationId} data-state=${operation.state}>
    <div class="operation-head">
      <strong>${operation.kind} ${operation.name}</strong>
      <${StatusBadge} state=${operation.state} />
      <span class="muted">started ${formatTime(operation.startedMs)} by ${operation.by}</span>
    </div>
    <ol class="operation-events" data-test="operation-events">
      ${operation.events.length === 0 && !finished ? html`<li class="muted">Waiting for the AppManager…</li>` : null}
      ${operation.events.map(
        (event) => html`<li key=${eventKey(event)} data-test="operation-event" data-stage=${event.stage} data-name=${event.name}>
          <span class="muted" title=${formatFullTime(event.timeMs)}>${formatTime(event.timeMs)}</span>
          <${StatusBadge} state=${event.stage} tone=${stageTone(event.stage)} />
          <span class="event-app">${event.name}${event.version ? ` ${event.version}` : ''}</span>
          <span class="reason">${event.message}</span>
        </li>`,
      )}
    </ol>
    ${!finished && pollError !== undefined ? html`<p class="muted">Could not ask for the operation's state (${pollError}); still listening.</p>` : null}
    ${operation.state === 'succeeded' &&
    html`<div class="operation-outcome">
      <p class="good-text" data-test="operation-done">Done. The apps now:</p>
      <${AppsAfterwards} apps=${operation.result ?? []} />
    </div>`}
    ${operation.state === 'failed' &&
    html`<div class="error-note" role="alert" data-test="operation-error" data-code=${operation.error?.code ?? ''}>
      <strong>${operation.error?.code ?? 'Failed'}</strong>: ${operation.error?.message ?? 'the operation failed without saying why'}
    </div>`}
  </div>`;
}
