/**
 * A manifest's default settings must satisfy its own JSON Schema: a package
 * whose defaults its schema refuses could be installed but never configured.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass } from 'ajv';

// ajv is CommonJS: required, not imported (see core/bus/zeromq.ts).
const Ajv = (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass }).Ajv;
let ajv: AjvClass | undefined;

/** undefined when `config` satisfies `schema`, else what is wrong ("the schema is invalid: ...", "/intervalMs must be integer"). */
export function configSchemaProblem(schema: Record<string, unknown>, config: Record<string, unknown>): string | undefined {
  ajv ??= new Ajv({ allErrors: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    return `the schema is invalid: ${(error as Error).message}`;
  } finally {
    // Schemas with an $id would clash on the next compile of the same manifest.
    if (typeof schema.$id === 'string') ajv.removeSchema(schema.$id);
  }
  if (validate(config)) return undefined;
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`).join('; ');
}
