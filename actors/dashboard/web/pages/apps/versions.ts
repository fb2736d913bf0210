// Versions as the Apps page needs them: semver order (newest first), the catalogue grouped by
// app, and which version an upgrade or a rollback would go to.
import type { AppView, CatalogueView } from '../../../api.js';

type CatalogueEntry = CatalogueView['entries'][number];

/** One app of the catalogue with all its versions, newest first. */
export interface CatalogueApp {
  name: string;
  /** Newest first. */
  versions: string[];
  /** The newest version's entry: description, provides, requires. */
  newest: CatalogueEntry;
  entries: Map<string, CatalogueEntry>;
}

function parse(version: string): { core: number[]; pre: string[] } {
  const [main = '', pre] = version.replace(/^v/, '').split('+')[0]!.split(/-(.*)/s);
  return { core: main.split('.').map((part) => Number.parseInt(part, 10) || 0), pre: pre === undefined || pre === '' ? [] : pre.split('.') };
}

/** Semver precedence: < 0 when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const difference = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (difference !== 0) return difference;
  }
  // A pre-release is older than its release.
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

export const newestFirst = (a: string, b: string): number => compareVersions(b, a);

export function groupCatalogue(catalogue: CatalogueView | undefined): CatalogueApp[] {
  const byName = new Map<string, Map<string, CatalogueEntry>>();
  for (const entry of catalogue?.entries ?? []) {
    let versions = byName.get(entry.name);
    if (versions === undefined) byName.set(entry.name, (versions = new Map()));
    versions.set(entry.version, entry);
  }
  return [...byName.entries()]
    .map(([name, entries]) => {
      const versions = [...entries.keys()].sort(newestFirst);
      return { name, versions, newest: entries.get(versions[0]!)!, entries };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The newest catalogue version above the installed one: what an upgrade without range goes to. */
export function upgradeTarget(app: AppView, catalogue: CatalogueApp[]): string | undefined {
  const versions = catalogue.find((entry) => entry.name === app.name)?.versions ?? [];
  return versions.find((version) => compareVersions(version, app.version) > 0);
}

/**
 * The version a rollback returns to: the one kept beside the current version (the AppManager
 * keeps one). Usually older; newer after an upgrade that was itself rolled back.
 */
export function rollbackTarget(app: AppView): string | undefined {
  return [...app.otherVersions].sort(newestFirst)[0];
}
