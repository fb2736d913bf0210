// The head of every page: its title (data-test="page-title", what tests wait for) and, on the
// right, the page's own controls (filter box, buttons).
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';

export function PageHeader(props: { title: string; subtitle?: ComponentChildren; children?: ComponentChildren }) {
  return html`<header class="page-header">
    <div>
      <h1 data-test="page-title">${props.title}</h1>
      ${props.subtitle === undefined ? null : html`<div class="subtitle">${props.subtitle}</div>`}
    </div>
    <div class="page-tools">${props.children}</div>
  </header>`;
}

/** A boxed part of a page; its table scrolls inside it. */
export function Panel(props: { title?: ComponentChildren; class?: string; 'data-test'?: string; children?: ComponentChildren }) {
  return html`<section class=${`panel ${props.class ?? ''}`} data-test=${props['data-test']}>
    ${props.title === undefined ? null : html`<h2>${props.title}</h2>`}
    ${props.children}
  </section>`;
}

/** What a page says when its data could not be fetched (instead of an empty table). */
export function ErrorNote(props: { error: string | undefined; onRetry?: () => void }) {
  if (props.error === undefined) return null;
  return html`<div class="error-note" role="alert" data-test="error-note">
    ${props.error}
    ${props.onRetry === undefined ? null : html` <button type="button" class="link" onClick=${props.onRetry}>Retry</button>`}
  </div>`;
}
