// The AppManager's replies as the contract's views (api.ts: AppView, CatalogueView,
// InstallPlanView), and its failures as ApiFailure with an HTTP status.
//
// Roles are written "<role> <version>" (provides) and "<role> <range>" (requires), e.g.
// "storage 1.2.0" and "storage ^1.0.0": one string each, the role first.

import { AppManagerError, parseJsonText } from '../../../core/provisioning/app-manager-client/index.js';
import type { AppInfo, AppManifest, CatalogueReply, InstallPlan } from '../../../schemas/generated/messages.js';
import type { AppView, CatalogueView, InstallPlanView } from '../api.js';
import { ApiFailure, asApiFailure } from './api-failure.js';

export function providesOf(manifest: AppManifest | undefined): string[] {
  return (manifest?.provides ?? []).map((p) => `${p.role} ${p.version}`);
}

export function requiresOf(manifest: AppManifest | undefined): string[] {
  return (manifest?.requires ?? []).map((r) => `${r.role} ${r.range}`);
}

/** The schema of a manifest as an object; undefined when it has none (or it is not JSON). */
export function schemaOf(manifest: AppManifest | undefined): Record<string, unknown> | undefined {
  const schema = parseJsonText(manifest?.configSchemaJson);
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema : undefined;
}

export function defaultConfigOf(manifest: AppManifest | undefined): Record<string, unknown> {
  const config = parseJsonText(manifest?.defaultConfigJson);
  return typeof config === 'object' && config !== null && !Array.isArray(config) ? config : {};
}

export function appView(app: AppInfo): AppView {
  const view: AppView = {
    name: app.name,
    version: app.version,
    otherVersions: app.otherVersions ?? [],
    state: app.state,
    host: app.host ?? '',
    detail: app.detail ?? '',
    config: parseJsonText(app.configJson),
    provides: providesOf(app.manifest),
    requires: requiresOf(app.manifest),
  };
  const schema = schemaOf(app.manifest);
  if (schema !== undefined) view.configSchema = schema;
  return view;
}

export function catalogueView(reply: CatalogueReply): CatalogueView {
  return {
    storeUrl: reply.storeUrl ?? '',
    entries: (reply.entries ?? []).map((entry) => {
      const m = entry.manifest;
      const view: CatalogueView['entries'][number] = {
        name: m.name,
        version: m.version,
        description: m.description ?? '',
        provides: providesOf(m),
        requires: requiresOf(m),
        defaultConfig: defaultConfigOf(m),
      };
      const schema = schemaOf(m);
      if (schema !== undefined) view.configSchema = schema;
      return view;
    }),
  };
}

export function planView(plan: InstallPlan): InstallPlanView {
  return {
    planId: plan.planId ?? '',
    steps: (plan.steps ?? []).map((s) => ({ action: s.action, name: s.name, version: s.version, reason: s.reason ?? '' })),
    problems: plan.problems ?? [],
  };
}

/** HTTP status of each AppManager code: the caller's mistake 4xx, the AppManager's or its peers' 5xx. */
const STATUS: Record<AppManagerError['code'], number> = {
  InvalidArgument: 422,
  BadPackage: 422,
  Unresolvable: 422,
  NotFound: 404,
  Conflict: 409,
  Refused: 409,
  // The AppManager will not stop, remove or upgrade itself: a conflict with what it is, not the role.
  Forbidden: 409,
  RolledBack: 502,
  Unavailable: 502,
  Internal: 502,
  Unknown: 502,
  Timeout: 504,
};

/** Any failure of a request to the AppManager as the browser sees it; the code stays the AppManager's. */
export function failureFromAppManager(error: unknown): ApiFailure {
  if (error instanceof AppManagerError) {
    if (error.absent) return new ApiFailure(503, 'Unavailable', `the AppManager is not reachable: ${error.message}`);
    return new ApiFailure(STATUS[error.code], error.code, error.message);
  }
  return asApiFailure(error);
}
