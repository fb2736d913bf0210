// GET /api/modules: the registry as this process's bus replica sees it (live changes come on /api/live).

import type { ModuleView } from '../../api.js';
import type { RouteContext } from '../context.js';
import { moduleView } from '../module-view.js';
import type { Router } from '../router.js';

export function registerModulesRoutes(router: Router, ctx: RouteContext): void {
  router.add('GET', '/api/modules', {
    permission: 'view',
    handler: async () => {
      const modules: ModuleView[] = ctx.bus
        .modules()
        .map(moduleView)
        .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      return { status: 200, json: modules };
    },
  });
}
