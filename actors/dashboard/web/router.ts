// History routing: each page has a real path (/modules, /datapoints/<name>?span=1d), so a page can
// be bookmarked and reloaded; the backend answers index.html for every path outside /api that is
// not one of the bundle's files. Links inside the app change the path without reloading the page.
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The whole path, e.g. "/datapoints/feeder.F1.voltage". */
  path: string;
  /** The first segment: the page id ("datapoints"); "" at "/". */
  page: string;
  /** The decoded segments after the page id (["feeder.F1.voltage"]). */
  rest: string[];
  query: URLSearchParams;
}

export function parseRoute(path: string, search: string): Route {
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
  return { path, page: segments[0] ?? '', rest: segments.slice(1), query: new URLSearchParams(search) };
}

const listeners = new Set<() => void>();

function currentRoute(): Route {
  return parseRoute(window.location.pathname, window.location.search);
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

/** Goes to `to` (a path with an optional query) without reloading; `replace` keeps history short. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const here = window.location.pathname + window.location.search;
  if (to === here) return;
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

/** The current route; the component renders again when it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = (): void => setRoute(currentRoute());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
}

/** The path of a page with segments and query, each segment encoded. */
export function pathOf(page: string, rest: string[] = [], query?: Record<string, string>): string {
  const path = '/' + [page, ...rest].map((segment) => encodeURIComponent(segment)).join('/');
  const search = query === undefined ? '' : new URLSearchParams(query).toString();
  return search === '' ? path : `${path}?${search}`;
}

export interface LinkProps {
  href: string;
  class?: string;
  'data-test'?: string;
  'aria-current'?: 'page';
  children?: ComponentChildren;
}

/** An <a> that navigates inside the app (a middle click or ctrl-click still opens a new tab). */
export function Link(props: LinkProps) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}
