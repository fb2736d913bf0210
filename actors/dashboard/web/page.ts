// What every page of the dashboard gets, and how a page is registered (the list in app.ts).
// A page is a Preact function component; it fetches through `api`, listens through `live`, and
// reads its place from `route`. It never touches the session cookie or the CSRF token itself.
import type { ComponentType } from 'preact';
import type { permissions, SessionInfo } from '../api.js';
import type { ApiClient } from './api-client.js';
import type { LiveClient } from './live.js';
import type { Route } from './router.js';

export type Permission = keyof typeof permissions;

export interface PageProps {
  /** Who is logged in: user, role, CSRF token, expiry. */
  session: SessionInfo;
  /** Whether the session's role may do it (hide what it may not; the backend refuses anyway). */
  can: (permission: Permission) => boolean;
  /** REST client of /api: JSON in and out, CSRF header, errors thrown as ApiRequestError. */
  api: ApiClient;
  /** The /api/live socket: subscribe to messages by type; reconnects by itself. */
  live: LiveClient;
  /** Where we are: this page's id, the path segments after it and the query. */
  route: Route;
  /** Goes to another place in the app, e.g. navigate('/datapoints/feeder.F1.voltage?span=1d'). */
  navigate: (to: string) => void;
}

/** One entry of the navigation: the page at /<id>. */
export interface PageEntry {
  /** The first path segment: "/modules" and "/modules/..." are this page. */
  id: string;
  /** The navigation link's text and the page's title. */
  title: string;
  component: ComponentType<PageProps>;
  /** Who sees it in the navigation; every role sees read-only pages ("view"). */
  permission?: Permission;
  /** GETs the page makes first (without a query): started as soon as the app loads on this page. */
  firstData?: string[];
}
