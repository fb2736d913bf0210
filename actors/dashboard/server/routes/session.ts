// POST /api/login, POST /api/logout, GET /api/session. A wrong password and an unknown user get the
// same answer after the same scrypt work (no user enumeration); failures are counted per user and
// per address, and past the limits the answer is 429 with Retry-After before any password check.

import type { LoginRequest, SessionInfo } from '../../api.js';
import { ApiFailure } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import { sessionInfo } from '../http-server.js';
import type { LoginLimiter } from '../login-limiter.js';
import { bodyObject, textField, type ApiResponse, type Router } from '../router.js';
import type { SessionStore } from '../sessions.js';
import type { UsersFile } from '../users-file.js';

export interface SessionDeps {
  users: UsersFile;
  sessions: SessionStore;
  limiter: LoginLimiter;
}

const MAX_PASSWORD_LENGTH = 1024;

export function registerSessionRoutes(router: Router, ctx: RouteContext, deps: SessionDeps): void {
  const { users, sessions, limiter } = deps;

  router.add('POST', '/api/login', {
    permission: 'view',
    anonymous: true,
    auditsItself: true,
    handler: async (request): Promise<ApiResponse> => {
      const body = bodyObject(request);
      const login: LoginRequest = { user: textField(body, 'user', { maxLength: 64 }), password: textField(body, 'password', { maxLength: MAX_PASSWORD_LENGTH }) };
      const retryAfter = limiter.retryAfterSeconds(login.user, request.address);
      if (retryAfter > 0) {
        ctx.audit.write({ user: login.user, role: '', action: 'login-failed', target: login.user, outcome: 'refused', detail: `too many failed logins; retry after ${retryAfter} s`, address: request.address });
        return { status: 429, headers: { 'Retry-After': String(retryAfter) }, json: { code: 'TooManyRequests', message: `too many failed logins; try again in ${retryAfter} s` } };
      }
      const user = await users.verify(login.user, login.password);
      if (!user) {
        limiter.failed(login.user, request.address);
        ctx.audit.write({ user: login.user, role: '', action: 'login-failed', target: login.user, outcome: 'failed', detail: 'wrong user name or password', address: request.address });
        throw new ApiFailure(401, 'Unauthenticated', 'wrong user name or password');
      }
      limiter.succeeded(user.name);
      const session = sessions.create(user.name, user.role);
      ctx.audit.write({ user: user.name, role: user.role, action: 'login', target: user.name, outcome: 'ok', detail: '', address: request.address });
      const info: SessionInfo = sessionInfo(session, sessions);
      return { status: 200, headers: { 'Set-Cookie': sessions.setCookie(session) }, json: info };
    },
  });

  router.add('POST', '/api/logout', {
    permission: 'view',
    auditsItself: true,
    handler: async (request) => {
      const session = request.session!;
      sessions.end(session);
      ctx.audit.write({ user: session.user, role: session.role, action: 'logout', target: session.user, outcome: 'ok', detail: '', address: request.address });
      return { status: 204, headers: { 'Set-Cookie': sessions.clearCookie() } };
    },
  });

  router.add('GET', '/api/session', {
    permission: 'view',
    handler: async (request) => ({ status: 200, json: sessionInfo(request.session!, sessions) }),
  });
}
