// GET /api/audit?limit=&user=&action=&since= : the audit log, newest first (administrators).

import type { AuditLog } from '../audit-log.js';
import { ApiFailure } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import type { Router } from '../router.js';

export function registerAuditRoutes(router: Router, _ctx: RouteContext, audit: AuditLog): void {
  router.add('GET', '/api/audit', {
    // Only administrators hold manageApps; the audit log is theirs too.
    permission: 'manageApps',
    handler: async (request) => {
      const number = (name: string): number | undefined => {
        const text = request.query.get(name);
        if (text === null || text === '') return undefined;
        const value = Number(text);
        if (!Number.isFinite(value) || value < 0) throw new ApiFailure(422, 'InvalidArgument', `"${name}" must be a non-negative number`);
        return value;
      };
      const entries = audit.query({
        limit: number('limit'),
        sinceMs: number('since'),
        user: request.query.get('user') || undefined,
        action: request.query.get('action') || undefined,
      });
      return { status: 200, json: entries };
    },
  });
}
