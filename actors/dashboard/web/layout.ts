// The frame around every page: the top bar (product, the substation banner, live status, user,
// role, logout), the left navigation (the pages this role may see), the page, and the toasts.
// The banner is always visible so an operator on any page sees a new alarm or a storm.
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { SessionInfo } from '../api.js';
import type { ApiClient } from './api-client.js';
import { SeverityBadge } from './components/status-badge.js';
import { activeStorms, useNotifications, useSubstationState } from './components/substation.js';
import { Toasts } from './components/toast.js';
import { useLiveStatus, type LiveClient } from './live.js';
import type { PageEntry } from './page.js';
import { Link } from './router.js';

export interface LayoutProps {
  session: SessionInfo;
  pages: PageEntry[];
  /** The page shown (its id), highlighted in the navigation. */
  current: string;
  api: ApiClient;
  live: LiveClient;
  onLogout: () => void;
  children?: ComponentChildren;
}

const roleNames: Record<string, string> = { administrator: 'Administrator', operator: 'Operator', engineer: 'Engineer' };

function SubstationBanner(props: { api: ApiClient; live: LiveClient }) {
  const state = useSubstationState(props.api, props.live);
  const storms = activeStorms(useNotifications(props.api, props.live));
  const s = state.value;
  if (s === undefined) {
    return html`<${Link} href="/alarms" class="banner banner-unknown" data-test="banner">
      ${state.error === undefined ? 'Substation state…' : `Substation state unknown: ${state.error}`}
    <//>`;
  }
  const storm = s.storm || storms.length > 0;
  const tone = storm ? 'banner-storm' : s.unacknowledged > 0 ? 'banner-alert' : s.active > 0 ? 'banner-active' : 'banner-calm';
  const stormGroups = [...new Set([...s.groups.filter((g) => g.storm).map((g) => g.group), ...storms.map((n) => n.group)])].filter((g) => g !== '');
  return html`<${Link} href="/alarms" class=${`banner ${tone}`} data-test="banner" data-active=${s.active} data-storm=${storm}>
    <span data-test="banner-active"><strong>${s.active}</strong> active</span>
    <span data-test="banner-unacknowledged"><strong>${s.unacknowledged}</strong> unacknowledged</span>
    ${s.active > 0 && s.worst !== '' ? html`<span>worst <${SeverityBadge} severity=${s.worst} /></span>` : null}
    ${storm ? html`<span class="storm" data-test="banner-storm">STORM${stormGroups.length > 0 ? `: ${stormGroups.join(', ')}` : ''}</span>` : null}
    ${s.inGrace ? html`<span class="muted" title="The alarm rules just started; nothing is notified yet">start grace</span>` : null}
    ${state.error === undefined ? null : html`<span class="muted" title=${state.error}>(stale)</span>`}
  <//>`;
}

function LiveIndicator(props: { live: LiveClient }) {
  const status = useLiveStatus(props.live);
  const text = status === 'open' ? 'live' : status === 'connecting' ? 'reconnecting…' : 'offline';
  const title = status === 'open' ? 'Changes arrive as they happen' : 'The live connection is down; what you see may be old. Reconnecting by itself.';
  return html`<span class=${`live live-${status}`} data-test="live-status" data-status=${status} title=${title}>${text}</span>`;
}

export function Layout(props: LayoutProps) {
  const { session } = props;
  return html`<div class="shell">
    <header class="topbar">
      <${Link} href="/" class="brand">Gridlink<//>
      <${SubstationBanner} api=${props.api} live=${props.live} />
      <div class="who">
        <${LiveIndicator} live=${props.live} />
        <span class="user" data-test="user">${session.user}</span>
        <span class="role" data-test="role" data-role=${session.role}>${roleNames[session.role] ?? session.role}</span>
        <button type="button" class="secondary" data-test="logout" onClick=${props.onLogout}>Log out</button>
      </div>
    </header>
    <nav class="sidenav" aria-label="Pages">
      ${props.pages.map(
        (page) => html`<${Link}
          key=${page.id}
          href=${`/${page.id}`}
          class=${page.id === props.current ? 'active' : ''}
          aria-current=${page.id === props.current ? 'page' : undefined}
          data-test=${`nav-${page.id}`}
        >${page.title}<//>`,
      )}
    </nav>
    <main class="content">${props.children}</main>
    <${Toasts} />
  </div>`;
}
