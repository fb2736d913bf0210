// The AppManager's replies as JSON for the gateways (REST, chat): snake_case field names (as in
// schemas/provisioning.fbs) and the JSON-text fields (configurations, schemas) parsed, so a REST
// client or a chat reader gets objects, not strings holding JSON.

import type { AppEvent, AppInfo, AppManifest, AppsReply, CatalogueReply, InstallPlan } from '../../../schemas/generated/messages.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** JSON text as the AppManager writes it: parsed; empty or absent: null; unparsable: the text itself. */
export function parseJsonText(text: string | undefined): Json {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    // The AppManager writes these; a field it could not fill stays readable as text.
    return text;
  }
}

export function manifestJson(manifest: AppManifest): JsonObject {
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description ?? '',
    entry: manifest.entry,
    provides: (manifest.provides ?? []).map((p) => ({ role: p.role, version: p.version })),
    requires: (manifest.requires ?? []).map((r) => ({ role: r.role, range: r.range })),
    config: parseJsonText(manifest.defaultConfigJson),
    config_schema: parseJsonText(manifest.configSchemaJson),
  };
}

export function appJson(app: AppInfo): JsonObject {
  return {
    name: app.name,
    version: app.version,
    other_versions: app.otherVersions ?? [],
    state: app.state,
    host: app.host ?? '',
    module_id: app.moduleId ?? '',
    config: parseJsonText(app.configJson),
    manifest: app.manifest ? manifestJson(app.manifest) : null,
    detail: app.detail ?? '',
    installed_ms: app.installedMs,
    since_ms: app.sinceMs,
  };
}

export function appsReplyJson(reply: AppsReply): JsonObject {
  return { apps: (reply.apps ?? []).map(appJson), operation_id: reply.operationId ?? '', message: reply.message ?? '' };
}

export function planJson(plan: InstallPlan): JsonObject {
  return {
    steps: (plan.steps ?? []).map((s) => ({ action: s.action, name: s.name, version: s.version, reason: s.reason ?? '' })),
    plan_id: plan.planId ?? '',
    problems: plan.problems ?? [],
  };
}

export function catalogueJson(reply: CatalogueReply): JsonObject {
  return {
    store_url: reply.storeUrl ?? '',
    entries: (reply.entries ?? []).map((e) => ({ manifest: manifestJson(e.manifest), sha256: e.sha256 ?? '', size_bytes: Number(e.sizeBytes), key_id: e.keyId ?? '' })),
  };
}

export function eventJson(event: AppEvent): JsonObject {
  return {
    operation_id: event.operationId ?? '',
    name: event.name ?? '',
    version: event.version ?? '',
    stage: event.stage,
    state: event.state,
    message: event.message ?? '',
    time_ms: event.timeMs,
  };
}
