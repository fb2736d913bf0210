/**
 * docs/openapi/app-manager.yaml against the gateway it documents: a valid OpenAPI 3.1 shape, every
 * route the REST gateway serves (and no other), every error code it can answer with, and the
 * status each code maps to named in the description.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_ERROR_CODES, httpStatusOf } from '../../actors/app-gateway/gateway-error.js';
import { repoRoot } from '../support/processes.js';

interface OpenApi {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: { Error: { properties: { code: { enum: string[] } } } } };
}

const document = parse(readFileSync(join(repoRoot, 'docs', 'openapi', 'app-manager.yaml'), 'utf8')) as OpenApi;

describe('the OpenAPI document of the REST gateway', () => {
  it('is OpenAPI 3.1 and lists exactly the routes and methods served', () => {
    expect(document.openapi).toBe('3.1.0');
    const routes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'GET /apps',
        'GET /apps/{name}',
        'DELETE /apps/{name}',
        'POST /apps/{name}/install',
        'POST /apps/{name}/start',
        'POST /apps/{name}/stop',
        'POST /apps/{name}/upgrade',
        'POST /apps/{name}/revert',
        'PUT /apps/{name}/config',
        'POST /plan',
        'GET /catalogue',
        'GET /operations/{operation_id}/events',
      ].sort(),
    );
  });

  it('names every error code the gateway answers with, and its status', () => {
    expect([...document.components.schemas.Error.properties.code.enum].sort()).toEqual([...GATEWAY_ERROR_CODES].sort());
    const description = document.info.description.replace(/\s+/g, ' ');
    for (const code of GATEWAY_ERROR_CODES) {
      // "... InvalidArgument 400 ...", or listed with another code before the status ("Conflict and Refused 409").
      const status = String(httpStatusOf(code));
      expect({ code, documented: new RegExp(`${code}( and \\w+| \\d{3})*? ${status}|${code} ${status}`).test(description) || new RegExp(`\\w+ and ${code} ${status}`).test(description) }).toEqual({ code, documented: true });
    }
  });
});
