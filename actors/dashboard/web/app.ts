// Placeholder of the dashboard's web app (the web shell helper replaces it): proves the chain
// index.html -> import map -> /vendor/preact.mjs + /vendor/htm-preact.mjs -> render.
import { render } from 'preact';
import { html } from 'htm/preact';
import type { Role } from '../api.js';

const roles: Role[] = ['administrator', 'operator', 'engineer'];

function App() {
  return html`<main><h1>Gridlink</h1><p>Roles: ${roles.join(', ')}</p></main>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
