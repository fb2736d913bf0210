// App operations started from the dashboard (../operations.ts): the state so far of one, for a
// page opened or reloaded while it runs, and the recent ones. Every role may read them.

import { ApiFailure } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import { operationsOf } from '../operations.js';
import type { Router } from '../router.js';

export function registerOperationsRoutes(router: Router, ctx: RouteContext): void {
  const operations = operationsOf(ctx);

  router.add('GET', '/api/operations', {
    permission: 'view',
    handler: async () => ({ status: 200, json: operations.list() }),
  });

  router.add('GET', '/api/operations/:id', {
    permission: 'view',
    handler: async (request) => {
      const operation = operations.get(request.params.id!);
      if (!operation) throw new ApiFailure(404, 'NotFound', `no operation "${request.params.id}" is known (finished ones are kept for the last 200)`);
      return { status: 200, json: operation };
    },
  });
}
