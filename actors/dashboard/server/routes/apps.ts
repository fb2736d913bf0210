// Apps: what is installed, what the App Store offers, the installation plan, and the operations
// (install, upgrade, rollback = RevertApp, configure, remove, start, stop) through the AppManager (role
// `app-manager`, core/provisioning/app-manager-client). Reads need `view`, everything else
// `manageApps`. Operations answer 202 with an OperationView and go on in the background
// (../operations.ts); configurations are checked against the app's JSON Schema (ajv) before
// anything is sent, so a bad form field is a 422 naming the app and the field.

import semver from 'semver';
import { AppManagerClient } from '../../../../core/provisioning/app-manager-client/index.js';
import { configSchemaProblem } from '../../../../core/provisioning/package/config-schema-check.js';
import type { AppInfo, AppManifest, AppsReply, CatalogueReply } from '../../../../schemas/generated/messages.js';
import type { AppView, InstallPlanView, OperationView } from '../../api.js';
import { ApiFailure } from '../api-failure.js';
import { appView, catalogueView, defaultConfigOf, failureFromAppManager, planView, schemaOf } from '../app-views.js';
import type { RouteContext } from '../context.js';
import { operationsOf, type OperationStart } from '../operations.js';
import { bodyObject, textField, type ApiRequest, type ApiResponse, type Router } from '../router.js';

export const APP_MANAGER_ROLE = 'app-manager';
/** Plans made through the dashboard, remembered so an install's configurations are checked against the planned versions. */
const KEEP_PLANS = 100;

type Config = Record<string, unknown>;

export function registerAppsRoutes(router: Router, ctx: RouteContext): void {
  const client = new AppManagerClient((type, value, timeoutMs) => ctx.bus.request(APP_MANAGER_ROLE, type, value, type.reply, timeoutMs), {
    queryTimeoutMs: ctx.settings.timeouts.queryMs,
    operationTimeoutMs: ctx.settings.timeouts.operationMs,
  });
  const operations = operationsOf(ctx);
  const plans = new Map<string, InstallPlanView>();
  const ask = async <R>(call: () => Promise<R>): Promise<R> => {
    try {
      return await call();
    } catch (error) {
      throw failureFromAppManager(error);
    }
  };
  const accepted = (operation: OperationView): ApiResponse => ({ status: 202, json: operation });
  const startOperation = (request: ApiRequest, kind: string, name: string, run: OperationStart['run']): ApiResponse =>
    accepted(
      operations.start({
        kind,
        name,
        by: request.session?.user ?? '',
        run: async (operationId, progress) => {
          try {
            return await run(operationId, progress);
          } catch (error) {
            throw failureFromAppManager(error);
          }
        },
        finished: (operation) =>
          ctx.audit.write({
            user: operation.by,
            role: request.session?.role ?? '',
            action: `app-${kind}-result`,
            target: name,
            outcome: operation.state === 'succeeded' ? 'ok' : 'failed',
            detail: operation.error ? `${operation.error.code}: ${operation.error.message}` : `operation ${operation.operationId}`,
            address: request.address,
          }),
      }),
    );
  const appsOf = (reply: AppsReply): AppView[] => (reply.apps ?? []).map(appView);
  /** One installed app; 404 when it is not. */
  const installed = async (name: string, host: string): Promise<AppInfo> => {
    const reply = await ask(() => client.apps({ name, ...(host ? { host } : {}) }));
    const app = reply.apps?.find((a) => a.name === name);
    if (!app) throw new ApiFailure(404, 'NotFound', `app "${name}" is not installed${host ? ` on host ${host}` : ''}`);
    return app;
  };

  router.add('GET', '/api/apps', {
    permission: 'view',
    handler: async (request) => {
      const host = request.query.get('host') ?? '';
      return { status: 200, json: appsOf(await ask(() => client.apps(host ? { host } : {}))) };
    },
  });

  router.add('GET', '/api/catalogue', {
    permission: 'view',
    handler: async () => ({ status: 200, json: catalogueView(await ask(() => client.catalogue())) }),
  });

  router.add('POST', '/api/apps/plan', {
    permission: 'manageApps',
    action: 'app-plan',
    target: (request) => String((request.body as { name?: unknown } | undefined)?.name ?? ''),
    handler: async (request) => {
      const body = bodyObject(request);
      const name = appName(textField(body, 'name', { maxLength: 200 }));
      const versionRange = textField(body, 'versionRange', { optional: true, maxLength: 200 });
      const plan = planView(await ask(() => client.plan({ name, ...(versionRange ? { versionRange } : {}) })));
      if (plan.planId) {
        plans.set(plan.planId, plan);
        if (plans.size > KEEP_PLANS) plans.delete(plans.keys().next().value!);
      }
      return { status: 200, json: plan };
    },
  });

  router.add('POST', '/api/apps/install', {
    permission: 'manageApps',
    action: 'app-install',
    target: (request) => String((request.body as { name?: unknown } | undefined)?.name ?? ''),
    handler: async (request) => {
      const body = bodyObject(request);
      const name = appName(textField(body, 'name', { maxLength: 200 }));
      const planId = textField(body, 'planId', { optional: true, maxLength: 200 });
      const versionRange = textField(body, 'versionRange', { optional: true, maxLength: 200 });
      const host = textField(body, 'host', { optional: true, maxLength: 300 });
      const start = body.start === undefined ? true : body.start;
      if (typeof start !== 'boolean') throw new ApiFailure(422, 'InvalidArgument', '"start" must be true or false');
      const configs = configsOf(body.configs);
      const plan = planId ? plans.get(planId) : undefined;
      const catalogue = await ask(() => client.catalogue());
      for (const [app, config] of Object.entries(configs)) {
        const version = plan?.steps.find((s) => s.name === app)?.version;
        if (plan && version === undefined) throw new ApiFailure(422, 'InvalidArgument', `a configuration is given for "${app}", which the plan does not install`);
        checkConfig(app, config, manifestIn(catalogue, app, version));
      }
      const own = configs[name];
      return startOperation(request, 'install', name, async (operationId, progress) => {
        const reply = await client.install({
          name,
          start,
          operationId,
          ...(planId ? { planId } : {}),
          ...(versionRange ? { versionRange } : {}),
          ...(own ? { configJson: JSON.stringify(own) } : {}),
          ...(host ? { host } : {}),
        });
        const apps = new Map(appsOf(reply).map((app) => [app.name, app]));
        // InstallApp carries the named app's configuration only; the dependencies' forms are applied after.
        for (const [app, config] of Object.entries(configs)) {
          if (app === name) continue;
          const target = apps.get(app);
          if (!target) {
            progress('config-skipped', `${app} was not installed by this operation; its configuration was not applied`);
            continue;
          }
          const configured = await client.configure({ name: app, configJson: JSON.stringify(config), operationId, ...(target.host ? { host: target.host } : {}) });
          for (const view of appsOf(configured)) apps.set(view.name, view);
        }
        return [...apps.values()];
      });
    },
  });

  router.add('POST', '/api/apps/:name/upgrade', {
    permission: 'manageApps',
    action: 'app-upgrade',
    handler: async (request) => {
      const name = appName(request.params.name!);
      const body = bodyObject(request);
      const versionRange = textField(body, 'versionRange', { optional: true, maxLength: 200 });
      const host = hostOf(request, body);
      return startOperation(request, 'upgrade', name, async (operationId) =>
        appsOf(await client.upgrade({ name, healthWindowMs: 0, operationId, ...(versionRange ? { versionRange } : {}), ...(host ? { host } : {}) })),
      );
    },
  });

  router.add('POST', '/api/apps/:name/rollback', {
    permission: 'manageApps',
    action: 'app-rollback',
    handler: async (request) => {
      const name = appName(request.params.name!);
      const host = hostOf(request, bodyObject(request));
      // Refused at once (404, 409) rather than as a failed operation: the page disables the button anyway.
      const app = await installed(name, host);
      if (!app.otherVersions?.length) throw new ApiFailure(409, 'Conflict', `${name} ${app.version} has no other version kept to go back to`);
      // RevertApp: the kept version (older, or newer after a rolled-back upgrade), its state and the settings handed over, a health window.
      return startOperation(request, 'rollback', name, async (operationId) => appsOf(await client.revert({ name, healthWindowMs: 0, operationId, ...(host ? { host } : {}) })));
    },
  });

  router.add('PUT', '/api/apps/:name/config', {
    permission: 'manageApps',
    action: 'app-config',
    handler: async (request) => {
      const name = appName(request.params.name!);
      const body = bodyObject(request);
      const config = body.config;
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ApiFailure(422, 'InvalidArgument', '"config" (the settings, a JSON object) is required');
      const host = hostOf(request, body);
      const app = await installed(name, host);
      checkConfig(name, config as Config, app.manifest);
      return startOperation(request, 'config', name, async (operationId) => appsOf(await client.configure({ name, configJson: JSON.stringify(config), operationId, ...(host ? { host } : {}) })));
    },
  });

  router.add('DELETE', '/api/apps/:name', {
    permission: 'manageApps',
    action: 'app-remove',
    handler: async (request) => {
      const name = appName(request.params.name!);
      const host = request.query.get('host') ?? '';
      const deleteData = request.query.get('deleteData') === 'true';
      const app = await installed(name, host);
      return startOperation(request, 'remove', name, async (operationId) => {
        const on = host ? { host } : {};
        // A running app is stopped first: removal from the dashboard is one step for the administrator.
        if (app.state !== 'Stopped' && app.state !== 'Failed') await client.stop({ name, force: false, reason: 'removal from the dashboard', operationId, ...on });
        return appsOf(await client.remove({ name, deleteData, operationId, ...on }));
      });
    },
  });

  for (const action of ['start', 'stop'] as const) {
    router.add('POST', `/api/apps/:name/${action}`, {
      permission: 'manageApps',
      action: `app-${action}`,
      handler: async (request) => {
        const name = appName(request.params.name!);
        const body = bodyObject(request);
        const host = hostOf(request, body);
        const on = host ? { host } : {};
        if (action === 'start') return startOperation(request, 'start', name, async (operationId) => appsOf(await client.start({ name, withDependencies: true, operationId, ...on })));
        const force = body.force === true;
        return startOperation(request, 'stop', name, async (operationId) => appsOf(await client.stop({ name, force, reason: 'stopped from the dashboard', operationId, ...on })));
      },
    });
  }
}

/** An app name as schemas/provisioning.fbs defines it: lowercase segments joined by '/'. */
const APP_NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;

function appName(name: string): string {
  if (!APP_NAME.test(name) || name.length > 200) throw new ApiFailure(422, 'InvalidArgument', `bad app name ${JSON.stringify(name)}: lowercase letters, digits and '-', segments joined by '/'`);
  return name;
}

/** `host` of the body, else of the query; empty: the dashboard's host. */
function hostOf(request: ApiRequest, body: Record<string, unknown>): string {
  return textField(body, 'host', { optional: true, maxLength: 300 }) || (request.query.get('host') ?? '');
}

function configsOf(value: unknown): Record<string, Config> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ApiFailure(422, 'InvalidArgument', '"configs" must be an object: {"<app name>": {<settings>}}');
  const configs: Record<string, Config> = {};
  for (const [app, config] of Object.entries(value as Record<string, unknown>)) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ApiFailure(422, 'InvalidArgument', `the configuration of "${app}" must be a JSON object`);
    configs[appName(app)] = config as Config;
  }
  return configs;
}

/** The manifest of `name` in the catalogue: of `version`, else the newest; 422 when absent. */
function manifestIn(catalogue: CatalogueReply, name: string, version: string | undefined): AppManifest {
  const candidates = (catalogue.entries ?? []).map((e) => e.manifest).filter((m) => m.name === name && (version === undefined || m.version === version));
  candidates.sort((a, b) => (semver.valid(a.version) && semver.valid(b.version) ? semver.rcompare(a.version, b.version) : 0));
  const manifest = candidates[0];
  if (!manifest) throw new ApiFailure(422, 'InvalidArgument', `the App Store offers no ${name}${version ? ` ${version}` : ''}`);
  return manifest;
}

/** The settings, over the version's defaults as the AppManager merges them, must satisfy the app's schema. */
function checkConfig(app: string, config: Config, manifest: AppManifest | undefined): void {
  const schema = schemaOf(manifest);
  if (schema === undefined) return;
  const problem = configSchemaProblem(schema, { ...defaultConfigOf(manifest), ...config });
  if (problem !== undefined) throw new ApiFailure(422, 'InvalidArgument', `the configuration of ${app} is not valid: ${problem}`);
}
