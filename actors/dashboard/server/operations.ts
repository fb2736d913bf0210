// App operations the dashboard started (install, upgrade, rollback, configure, remove, start,
// stop): each gets an id that travels to the AppManager as `operation_id`, so its AppEvents on
// `app-manager/events` are collected here (GET /api/operations/:id); the operation itself is
// pushed to every browser as `operation` when it starts and when it ends. The AppEvents reach the
// browsers as `app-event` from the module (module.ts forwards every AppEvent, whoever started the
// operation); only the steps the dashboard adds itself (an install's config-skipped) are pushed from
// here. The HTTP request answers 202 at once; the work runs on (the AppManager may take minutes).

import { randomUUID } from 'node:crypto';
import { AppEvent } from '../../../schemas/generated/messages.js';
import type { ApiError, AppView, OperationView } from '../api.js';
import { asApiFailure } from './api-failure.js';
import type { RouteContext } from './context.js';

export const APP_EVENTS_TOPIC = 'app-manager/events';
/** Finished operations kept for GET /api/operations/:id. */
const KEEP_FINISHED = 200;
/** Events kept per operation (an install of a long chain has a few dozen). */
const MAX_EVENTS = 500;

export interface OperationStart {
  kind: string;
  name: string;
  by: string;
  /** Does the work; `operationId` goes into every AppManager request it makes. Resolves with the apps afterwards. */
  run: (operationId: string, progress: (stage: string, message: string) => void) => Promise<AppView[]>;
  /** Called when it ended (audit of the outcome). */
  finished?: (operation: OperationView) => void;
}

export class OperationTracker {
  private readonly operations = new Map<string, OperationView>();
  private readonly unsubscribe: () => void;

  constructor(private readonly context: Pick<RouteContext, 'bus' | 'live' | 'log'>) {
    this.unsubscribe = context.bus.subscribe(APP_EVENTS_TOPIC, AppEvent, (event) => this.onEvent(event));
  }

  /** Starts the work and answers its view at once (state "running"). */
  start(start: OperationStart): OperationView {
    const operation: OperationView = { operationId: randomUUID(), kind: start.kind, name: start.name, by: start.by, startedMs: Date.now(), state: 'running', events: [] };
    this.operations.set(operation.operationId, operation);
    this.context.live.broadcast({ type: 'operation', operation: copy(operation) });
    const progress = (stage: string, message: string): void => {
      const event = { stage, name: start.name, version: '', message, timeMs: Date.now() };
      this.addEvent(operation, event);
      this.context.live.broadcast({ type: 'app-event', operationId: operation.operationId, state: 'Running', ...event });
    };
    void start
      .run(operation.operationId, progress)
      .then(
        (apps) => {
          operation.state = 'succeeded';
          operation.result = apps;
        },
        (error: unknown) => {
          const failure = asApiFailure(error);
          operation.state = 'failed';
          operation.error = failure.toJson();
          if (failure.status >= 500) this.context.log.warn('app operation failed', { operationId: operation.operationId, kind: start.kind, name: start.name, error: failure.message });
        },
      )
      .then(() => {
        this.context.live.broadcast({ type: 'operation', operation: copy(operation) });
        start.finished?.(copy(operation));
        this.forgetOld();
      });
    return copy(operation);
  }

  get(operationId: string): OperationView | undefined {
    const operation = this.operations.get(operationId);
    return operation && copy(operation);
  }

  /** Newest first. */
  list(): OperationView[] {
    return [...this.operations.values()].reverse().map(copy);
  }

  close(): void {
    this.unsubscribe();
  }

  private onEvent(event: AppEvent): void {
    const operation = event.operationId ? this.operations.get(event.operationId) : undefined;
    if (!operation) return;
    this.addEvent(operation, { stage: event.stage, name: event.name ?? '', version: event.version ?? '', message: event.message ?? '', timeMs: event.timeMs });
  }

  private addEvent(operation: OperationView, event: OperationView['events'][number]): void {
    if (operation.events.length < MAX_EVENTS) operation.events.push(event);
  }

  private forgetOld(): void {
    let finished = 0;
    for (const operation of this.operations.values()) if (operation.state !== 'running') finished++;
    for (const [id, operation] of this.operations) {
      if (finished <= KEEP_FINISHED) break;
      if (operation.state === 'running') continue;
      this.operations.delete(id);
      finished--;
    }
  }
}

function copy(operation: OperationView): OperationView {
  const view: OperationView = { ...operation, events: [...operation.events] };
  if (operation.result) view.result = [...operation.result];
  if (operation.error) view.error = { ...operation.error } satisfies ApiError;
  return view;
}

// One tracker per dashboard (route context): the apps routes start operations, the operations
// routes read them, both through operationsOf(ctx).
const trackers = new WeakMap<object, OperationTracker>();

export function operationsOf(context: RouteContext): OperationTracker {
  let tracker = trackers.get(context);
  if (!tracker) {
    tracker = new OperationTracker(context);
    trackers.set(context, tracker);
  }
  return tracker;
}
