// GET /api/hosts: every host agent with its last HostStatus and its supervision tree (TreeRequest
// to supervisor@<agent id>; an agent that does not answer in time shows an "unknown" tree).

import type { RouteContext } from '../context.js';
import type { HostDirectory } from '../host-directory.js';
import type { Router } from '../router.js';

export function registerHostsRoutes(router: Router, _ctx: RouteContext, hosts: HostDirectory): void {
  router.add('GET', '/api/hosts', {
    permission: 'view',
    handler: async () => ({ status: 200, json: await hosts.views() }),
  });
}
