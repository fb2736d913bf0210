// Short messages at the bottom right: errors of actions (a refused acknowledgement, an
// unreachable module) and confirmations. Errors stay until closed or 12 s; others 5 s.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { errorText, isAbort } from '../api-client.js';

export interface ToastItem {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

let items: ToastItem[] = [];
let nextId = 1;
const listeners = new Set<(items: ToastItem[]) => void>();

function publish(): void {
  for (const listener of listeners) listener(items);
}

export function dismissToast(id: number): void {
  items = items.filter((item) => item.id !== id);
  publish();
}

export function toast(text: string, kind: ToastItem['kind'] = 'info'): void {
  const id = nextId++;
  items = [...items.slice(-4), { id, kind, text }];
  publish();
  setTimeout(() => dismissToast(id), kind === 'error' ? 12_000 : 5_000);
}

/** Shows what went wrong, prefixed by what was being done ("Acknowledge: ..."); aborts are silent. */
export function toastError(error: unknown, doing?: string): void {
  if (isAbort(error)) return;
  toast(doing === undefined ? errorText(error) : `${doing}: ${errorText(error)}`, 'error');
}

export function Toasts() {
  const [shown, setShown] = useState(items);
  useEffect(() => {
    listeners.add(setShown);
    return () => {
      listeners.delete(setShown);
    };
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${shown.map(
      (item) => html`<div key=${item.id} class=${`toast toast-${item.kind}`} data-test="toast" data-kind=${item.kind}>
        <span>${item.text}</span>
        <button type="button" class="link" aria-label="Close" onClick=${() => dismissToast(item.id)}>×</button>
      </div>`,
    )}
  </div>`;
}
