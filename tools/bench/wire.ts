/**
 * The line protocol between a benchmark (parent) and its worker processes,
 * carried over the Node IPC channel of child_process.fork.
 *
 * worker -> parent: ready (once, after setup: endpoints etc.), result (any
 *                   number of times), error (fatal, the worker exits next)
 * parent -> worker: go (start the measured phase, with optional data),
 *                   stop (close sockets and exit)
 */

/** A JSON value: what may cross the IPC channel. */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };

/** The payload of a message: a flat-ish JSON object. */
export type WireData = { [key: string]: WireValue };

export type WorkerMessage =
  | { kind: 'ready'; data: WireData }
  | { kind: 'result'; data: WireData }
  | { kind: 'error'; message: string };

export type ParentMessage = { kind: 'go'; data: WireData } | { kind: 'stop' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows an IPC message received by the parent; undefined when it is not ours. */
export function asWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) return undefined;
  if ((value.kind === 'ready' || value.kind === 'result') && isRecord(value.data)) {
    return { kind: value.kind, data: value.data as WireData };
  }
  if (value.kind === 'error' && typeof value.message === 'string') return { kind: 'error', message: value.message };
  return undefined;
}

/** Narrows an IPC message received by a worker; undefined when it is not ours. */
export function asParentMessage(value: unknown): ParentMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.kind === 'go') return { kind: 'go', data: isRecord(value.data) ? (value.data as WireData) : {} };
  if (value.kind === 'stop') return { kind: 'stop' };
  return undefined;
}

/** Reads a finite number field, or throws naming the field and where it came from. */
export function numberField(data: WireData, key: string, from = 'worker'): number {
  const value = data[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${from}: expected a finite number in field "${key}", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads a string field, or throws naming the field and where it came from. */
export function stringField(data: WireData, key: string, from = 'worker'): string {
  const value = data[key];
  if (typeof value !== 'string') {
    throw new Error(`${from}: expected a string in field "${key}", got ${JSON.stringify(value)}`);
  }
  return value;
}
