// The dashboard's web application: asks for the session, shows the login page or the layout
// with the page of the current path, and keeps one REST client and one live socket for all pages.
//
// Adding a page: write pages/<name>.ts exporting a Preact component taking PageProps (page.ts)
// and add ONE line to `pages` below, at its place in the navigation.
import { Component, render, type ComponentChildren } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { permissions, type SessionInfo } from '../api.js';
import { ApiClient, ApiRequestError, errorText } from './api-client.js';
import { Layout } from './layout.js';
import { LiveClient } from './live.js';
import type { PageEntry, PageProps, Permission } from './page.js';
import { AlarmsPage } from './pages/alarms.js';
import { AppsPage } from './pages/apps.js';
import { DatapointsPage } from './pages/datapoints.js';
import { HostsPage } from './pages/hosts.js';
import { LoginPage } from './pages/login.js';
import { ModulesPage } from './pages/modules.js';
import { TopologyPage } from './pages/topology.js';
import { navigate, useRoute, type Route } from './router.js';

/** The pages in navigation order. One line per page; the page decides what each role may do in it. */
export const pages: PageEntry[] = [
  { id: 'hosts', title: 'Hosts', component: HostsPage, firstData: ['/api/hosts'] },
  { id: 'modules', title: 'Modules', component: ModulesPage, firstData: ['/api/modules'] },
  { id: 'apps', title: 'Apps', component: AppsPage },
  { id: 'alarms', title: 'Alarms', component: AlarmsPage },
  { id: 'datapoints', title: 'Data points', component: DatapointsPage },
  { id: 'topology', title: 'Topology', component: TopologyPage },
];

export function allowed(session: SessionInfo, permission: Permission): boolean {
  return (permissions[permission] as readonly string[]).includes(session.role);
}

/** One page's failure (a bug, unexpected data) shows as a message in its place, not a blank app. */
class PageBoundary extends Component<{ page: string; children?: ComponentChildren }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };

  override componentDidCatch(error: unknown): void {
    console.error(`page ${this.props.page} failed`, error);
    this.setState({ error });
  }

  override componentDidUpdate(previous: { page: string }): void {
    if (previous.page !== this.props.page && this.state.error !== undefined) this.setState({ error: undefined });
  }

  override render() {
    if (this.state.error !== undefined) {
      return html`<div class="error-note" role="alert" data-test="page-error">This page failed: ${errorText(this.state.error)}. Other pages still work; reloading may help.</div>`;
    }
    return this.props.children;
  }
}

function NotFound(props: { route: Route }) {
  return html`<div class="panel" data-test="not-found"><h1 data-test="page-title">Not found</h1><p>No page at ${props.route.path}.</p></div>`;
}

/** undefined: still asking; null: nobody logged in. */
type SessionState = SessionInfo | null | undefined;

function loginPath(route: Route): string {
  const here = route.path + (route.query.toString() === '' ? '' : `?${route.query.toString()}`);
  return route.page === '' || route.page === 'login' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

// One REST client and one live socket for the whole app, made before the first render so the
// session and the opening page's data are asked for at once (see getEarly).
const api = new ApiClient();
const live = new LiveClient();
api.getEarly('/api/session');
api.getEarly('/api/alarms/state'); // the layout's banner
for (const path of pages.find((page) => page.id === location.pathname.split('/')[1])?.firstData ?? []) api.getEarly(path);

function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionState>(undefined);
  const [probeError, setProbeError] = useState<string | undefined>(undefined);

  const probe = (): void => {
    setProbeError(undefined);
    api
      .get<SessionInfo>('/api/session', undefined, { expectUnauthenticated: true })
      .then(setSession)
      .catch((error: unknown) => {
        if (error instanceof ApiRequestError && error.status === 401) setSession(null);
        else setProbeError(errorText(error));
      });
  };

  useEffect(() => {
    api.onUnauthenticated = () => setSession(null);
    // Before reopening the live socket, ask whether the session is still there (a refused
    // WebSocket upgrade does not say why); a 401 shows the login page and stops the retries.
    live.beforeReconnect = async () => {
      try {
        await api.get<SessionInfo>('/api/session', undefined, { expectUnauthenticated: true, timeoutMs: 5000 });
        return true;
      } catch (error) {
        if (error instanceof ApiRequestError && error.status === 401) {
          setSession(null);
          return false;
        }
        return true;
      }
    };
    probe();
    return () => live.stop();
  }, []);

  useEffect(() => {
    if (session) {
      api.csrfToken = session.csrfToken;
      live.start();
    } else if (session === null) {
      api.csrfToken = '';
      api.dropEarly();
      live.stop();
    }
  }, [session]);

  const visible = session ? pages.filter((page) => allowed(session, page.permission ?? 'view')) : [];

  // Where the path has to change: to the login page when nobody is logged in, away from it
  // (to where the user was going) when someone is, and from "/" to the first page.
  useEffect(() => {
    if (session === null && route.page !== 'login') navigate(loginPath(route), { replace: true });
    if (session && (route.page === 'login' || route.page === '')) {
      const next = route.query.get('next');
      navigate(next !== null && next.startsWith('/') && !next.startsWith('//') ? next : `/${visible[0]?.id ?? 'modules'}`, { replace: true });
    }
  }, [session, route.path, route.page]);

  const entry = visible.find((page) => page.id === route.page);
  useEffect(() => {
    document.title = session === null ? 'Log in — Gridlink' : entry === undefined ? 'Gridlink' : `${entry.title} — Gridlink`;
  }, [session, entry]);

  if (session === undefined) {
    return probeError === undefined
      ? html`<div class="splash" data-test="splash">Gridlink…</div>`
      : html`<div class="splash" data-test="splash">
          <p class="error-note" role="alert">The dashboard did not answer: ${probeError}</p>
          <button type="button" onClick=${probe}>Try again</button>
        </div>`;
  }
  if (session === null) {
    return html`<${LoginPage} api=${api} onLogin=${(info: SessionInfo) => setSession(info)} />`;
  }

  const logout = (): void => {
    api
      .post('/api/logout', {}, { expectUnauthenticated: true })
      .catch(() => {
        // Logged out either way: the page forgets the session; the cookie expires on its own.
      })
      .finally(() => {
        setSession(null);
        navigate('/login', { replace: true });
      });
  };

  const props: PageProps = { session, can: (permission) => allowed(session, permission), api, live, route, navigate };
  const current = entry === undefined ? null : html`<${entry.component} key=${entry.id} ...${props} />`;
  return html`<${Layout} session=${session} pages=${visible} current=${route.page} api=${api} live=${live} onLogout=${logout}>
    <${PageBoundary} page=${route.page}>${current ?? (route.page === '' || route.page === 'login' ? null : html`<${NotFound} route=${route} />`)}<//>
  <//>`;
}

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
