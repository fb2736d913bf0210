// What the configuration form knows about a JSON Schema (draft-07): the subset our apps'
// manifests use, turned into a tree of fields to render, and a validator for the same subset
// so a person sees each mistake beside its field before anything is sent. The AppManager
// checks again with ajv; what this subset does not know (e.g. `if`, `format`) is left to it.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A location in the configuration: property names and array indexes. */
export type FieldPath = readonly (string | number)[];

export interface FieldProblem {
  path: FieldPath;
  message: string;
}

interface Common {
  /** The schema of this field, $ref resolved: what the validator checks. */
  schema: SchemaObject;
  label: string;
  description?: string;
  /** `type` lists "null" beside the field's own type: the form offers "none". */
  nullable: boolean;
}

export type FieldModel =
  | (Common & { kind: 'string' })
  | (Common & { kind: 'number'; integer: boolean })
  | (Common & { kind: 'boolean' })
  | (Common & { kind: 'enum'; options: readonly JsonValue[] })
  | (Common & { kind: 'array'; items: FieldModel })
  | (Common & { kind: 'object'; properties: { name: string; required: boolean; field: FieldModel }[] })
  /** Anything the form cannot draw as inputs: edited as JSON text. */
  | (Common & { kind: 'json' });

export type SchemaObject = { [keyword: string]: unknown };

/**
 * Text typed into a field that is not a value of its type yet ("1e", "{" in a JSON field). It
 * stays in the form's value tree where the value would be, so it moves with its list item, and
 * the validator reports its message there; the form's result leaves it out.
 */
export class Unparsed {
  constructor(
    readonly text: string,
    readonly message: string,
  ) {}
}

const maxDepth = 12;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local references (`#/definitions/x`, `#/properties/a/...`); others stay unresolved. */
export function resolveSchema(schema: unknown, root: unknown, seen: ReadonlySet<string> = new Set()): SchemaObject {
  if (schema === true || schema === undefined) return {};
  if (!isObject(schema)) return {};
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || seen.has(ref)) return schema;
  let target: unknown = root;
  for (const raw of ref.slice(1).split('/').filter((part) => part !== '')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? target[part] : undefined;
  }
  if (!isObject(target)) return schema;
  // draft-07 ignores keywords beside $ref; keeping the referring title/description is kinder.
  const { $ref: _ref, ...beside } = schema;
  const resolved = resolveSchema(target, root, new Set([...seen, ref]));
  return { ...resolved, ...pick(beside, ['title', 'description', 'default']) };
}

function pick(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (key in object) picked[key] = object[key];
  return picked;
}

/** Keywords whose meaning the inputs cannot show: such a field is edited as JSON. */
const composite = ['oneOf', 'anyOf', 'allOf', 'if', 'then', 'else', 'const', 'patternProperties', 'dependencies', 'propertyNames', 'contains'];

function hasComposite(schema: SchemaObject): boolean {
  if (composite.some((keyword) => keyword in schema)) return true;
  if ('$ref' in schema) return true; // not resolvable (remote)
  // `not: {const: x}` is a plain check ("must not be x"); any other `not` is not.
  if ('not' in schema) {
    const not = schema.not;
    return !(isObject(not) && Object.keys(not).length === 1 && 'const' in not);
  }
  return false;
}

/** The types a schema allows, "null" apart. */
function typesOf(schema: SchemaObject): { types: string[]; nullable: boolean } {
  const raw = schema.type;
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : [];
  return { types: list.filter((t) => t !== 'null'), nullable: list.includes('null') };
}

/** Turns a schema into the tree of fields the form draws. */
export function describeSchema(schema: unknown, root: unknown = schema, label = '', depth = 0): FieldModel {
  const resolved = resolveSchema(schema, root);
  const common = {
    schema: resolved,
    label: typeof resolved.title === 'string' ? resolved.title : label,
    description: typeof resolved.description === 'string' ? resolved.description : undefined,
  };
  const { types, nullable } = typesOf(resolved);
  const json: FieldModel = { ...common, nullable: false, kind: 'json' };
  if (depth > maxDepth || hasComposite(resolved) || types.length > 1) return json;

  if (Array.isArray(resolved.enum)) {
    const options = resolved.enum as JsonValue[];
    if (options.length === 0 || options.some((option) => isObject(option) || Array.isArray(option))) return json;
    const withoutNull = options.filter((option) => option !== null);
    return { ...common, nullable: nullable || withoutNull.length < options.length, kind: 'enum', options: withoutNull };
  }
  const type = types[0] ?? (isObject(resolved.properties) ? 'object' : undefined);
  switch (type) {
    case 'string':
      return { ...common, nullable, kind: 'string' };
    case 'number':
    case 'integer':
      return { ...common, nullable, kind: 'number', integer: type === 'integer' };
    case 'boolean':
      return { ...common, nullable, kind: 'boolean' };
    case 'array': {
      // Tuples (`items` as a list) and items of several forms are JSON.
      if (!isObject(resolved.items) && resolved.items !== undefined) return json;
      const items = describeSchema(resolved.items ?? {}, root, '', depth + 1);
      return { ...common, nullable, kind: 'array', items };
    }
    case 'object': {
      const properties = isObject(resolved.properties) ? resolved.properties : {};
      const names = Object.keys(properties);
      // A free-form object (a map, or anything goes) has no fields to draw.
      if (names.length === 0) return { ...json, nullable: false };
      const required = Array.isArray(resolved.required) ? resolved.required : [];
      return {
        ...common,
        nullable,
        kind: 'object',
        properties: names.map((name) => ({
          name,
          required: required.includes(name),
          field: describeSchema(properties[name], root, name, depth + 1),
        })),
      };
    }
    default:
      return json;
  }
}

/** The value a form starts from: the given value, else the schema's defaults (objects filled in). */
export function initialValue(field: FieldModel, given: unknown): JsonValue | undefined {
  const value = given === undefined ? (field.schema.default as JsonValue | undefined) : (given as JsonValue);
  if (field.kind !== 'object') return value === undefined ? undefined : structuredClone(value);
  if (value === null) return null;
  const start: { [key: string]: JsonValue } = isObject(value) ? structuredClone(value as { [key: string]: JsonValue }) : {};
  for (const property of field.properties) {
    const inner = initialValue(property.field, start[property.name]);
    if (inner === undefined) delete start[property.name];
    else start[property.name] = inner;
  }
  if (value === undefined && Object.keys(start).length === 0) return undefined;
  return start;
}

// ---------------------------------------------------------------- validation

export function formatPath(path: FieldPath): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  return text;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = jsonType(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * Checks a value against the subset of draft-07 our manifests use. Problems name the field
 * they belong to; "required" is reported at the missing field's own path so the form shows it
 * there. A value of `undefined` inside a list is an item left empty.
 */
export function validateValue(schema: unknown, value: unknown, root: unknown = schema, path: FieldPath = [], depth = 0): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const s = resolveSchema(schema, root);
  if (schema === false) return [{ path, message: 'not allowed' }];
  if (depth > 32) return problems;
  const add = (message: string, at: FieldPath = path) => problems.push({ path: at, message });
  if (value instanceof Unparsed) return [{ path, message: value.message }];
  if (value === undefined) {
    add('required');
    return problems;
  }

  const { types, nullable } = typesOf(s);
  if (types.length > 0 || nullable) {
    const allowed = nullable ? [...types, 'null'] : types;
    if (!allowed.some((type) => typeMatches(type, value))) {
      add(`must be ${allowed.map((type) => typeWords[type] ?? type).join(' or ')}`);
      return problems;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((option) => deepEqual(option, value))) {
    add(`must be one of: ${s.enum.map(show).join(', ')}`);
  }
  if ('const' in s && !deepEqual(s.const, value)) add(`must be ${show(s.const)}`);
  if (isObject(s.not)) {
    const not = s.not;
    if (Object.keys(not).length === 1 && 'const' in not) {
      if (deepEqual(not.const, value)) add(`must not be ${show(not.const)}`);
    } else if (validateValue(not, value, root, path, depth + 1).length === 0) {
      add('is a value that is not allowed here');
    }
  }

  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) add(`must be at least ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) add(`must be at most ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) add(`must be more than ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) add(`must be less than ${s.exclusiveMaximum}`);
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) {
      add(`must be a multiple of ${s.multipleOf}`);
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) {
      add(s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`);
    }
    if (typeof s.maxLength === 'number' && length > s.maxLength) add(`must be at most ${s.maxLength} characters`);
    if (typeof s.pattern === 'string') {
      let pattern: RegExp | undefined;
      try {
        pattern = new RegExp(s.pattern, 'u');
      } catch {
        pattern = undefined; // a pattern JavaScript cannot read: left to the server
      }
      if (pattern && !pattern.test(value)) add(`must match ${s.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) add(`needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) add(`takes at most ${s.maxItems} item${s.maxItems === 1 ? '' : 's'}`);
    if (s.uniqueItems === true && value.some((item, index) => value.findIndex((other) => deepEqual(other, item)) !== index)) {
      add('has the same item twice');
    }
    if (isObject(s.items) || typeof s.items === 'boolean') {
      value.forEach((item, index) => {
        if (item === undefined) add('empty: fill in or remove', [...path, index]);
        else problems.push(...validateValue(s.items, item, root, [...path, index], depth + 1));
      });
    }
  }
  if (isObject(value)) {
    const properties = isObject(s.properties) ? s.properties : {};
    if (Array.isArray(s.required)) {
      for (const name of s.required) if (typeof name === 'string' && !(name in value)) add('required', [...path, name]);
    }
    for (const [name, inner] of Object.entries(value)) {
      if (inner === undefined) continue;
      if (name in properties) problems.push(...validateValue(properties[name], inner, root, [...path, name], depth + 1));
      else if (s.additionalProperties === false) add(`unknown setting "${name}"`);
      else if (isObject(s.additionalProperties)) problems.push(...validateValue(s.additionalProperties, inner, root, [...path, name], depth + 1));
    }
  }
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const branches = s[keyword];
    if (!Array.isArray(branches)) continue;
    const passing = branches.filter((branch) => validateValue(branch, value, root, path, depth + 1).length === 0).length;
    if (keyword === 'oneOf' && passing !== 1) add(passing === 0 ? 'matches none of the allowed forms' : 'matches more than one of the allowed forms');
    if (keyword === 'anyOf' && passing === 0) add('matches none of the allowed forms');
  }
  if (Array.isArray(s.allOf)) for (const branch of s.allOf) problems.push(...validateValue(branch, value, root, path, depth + 1));
  return problems;
}

/** Constraints as a short hint beside the label: "≥ 1", "1 to 65535", "1+ characters"... */
export function constraintHint(schema: SchemaObject): string {
  const parts: string[] = [];
  const low = typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : typeof schema.exclusiveMinimum === 'number' ? `> ${schema.exclusiveMinimum}` : '';
  const high = typeof schema.maximum === 'number' ? `≤ ${schema.maximum}` : typeof schema.exclusiveMaximum === 'number' ? `< ${schema.exclusiveMaximum}` : '';
  if (low !== '') parts.push(low);
  if (high !== '') parts.push(high);
  if (typeof schema.minLength === 'number' && schema.minLength > 0) parts.push(`min ${schema.minLength} chars`);
  if (typeof schema.maxLength === 'number') parts.push(`max ${schema.maxLength} chars`);
  if (typeof schema.pattern === 'string') parts.push(`pattern ${schema.pattern}`);
  if (typeof schema.minItems === 'number' && schema.minItems > 0) parts.push(`min ${schema.minItems} items`);
  return parts.join(', ');
}
