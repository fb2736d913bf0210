// A configuration form generated from an app's JSON Schema (the draft-07 subset of
// schema-model.ts): text, number and boolean inputs, selects for enums, repeatable inputs for
// lists, fieldsets for nested objects, "none" for nullable fields, and a JSON text area for
// whatever the inputs cannot express. Every problem is shown beside its field as it is typed;
// the parent gets the configuration value and its problems through onChange.
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  constraintHint,
  describeSchema,
  formatPath,
  initialValue,
  Unparsed,
  validateValue,
  type FieldModel,
  type FieldPath,
  type FieldProblem,
  type JsonValue,
} from './schema-model.js';

export type { FieldProblem, JsonValue } from './schema-model.js';

export interface SchemaFormState {
  /** The configuration as it stands; fields left empty are left out, so the app's defaults apply. */
  value: JsonValue | undefined;
  /** Each mistake with the field it belongs to; empty when the value may be sent. */
  problems: FieldProblem[];
  valid: boolean;
}

export interface SchemaFormProps {
  /** The app's configSchema; absent: the whole configuration is edited as JSON. */
  schema: unknown;
  /** Where the form starts (the app's defaults or its current configuration); the schema's defaults fill the gaps. Give the form a new `key` to start again. */
  value?: unknown;
  /** Tells several forms on one page apart: ids, and `data-name` for tests (the app's name). */
  name: string;
  /** With the value and its problems, at the start and after every edit. */
  onChange?: (state: SchemaFormState) => void;
  disabled?: boolean;
}

/** The form's working value: JSON, plus text not yet parsed, plus fields not filled in. */
type Draft = JsonValue | Unparsed | undefined | Draft[] | { [key: string]: Draft };

interface FieldContext {
  formName: string;
  disabled: boolean;
  /** Problems by formatPath. */
  problems: ReadonlyMap<string, string[]>;
  set: (path: FieldPath, value: Draft) => void;
}

function isRecord(value: unknown): value is { [key: string]: Draft } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Unparsed);
}

/** The draft with `value` at `path` (undefined removes an object's key), copied along the path. */
function setAt(draft: Draft, path: FieldPath, value: Draft): Draft {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(draft) ? [...draft] : [];
    list[head] = setAt(list[head], rest, value);
    return list;
  }
  const object = isRecord(draft) ? { ...draft } : {};
  const inner = setAt(object[head], rest, value);
  if (inner === undefined) delete object[head];
  else object[head] = inner;
  return object;
}

/** Nothing filled in: only empty objects and lists (a required list inside counts as empty). */
function isBlank(draft: Draft): boolean {
  if (Array.isArray(draft)) return draft.length === 0;
  if (isRecord(draft)) return Object.values(draft).every(isBlank);
  return draft === undefined;
}

/**
 * What the form hands out: an optional object (or list) the form made for a field typed into
 * and then emptied again is dropped (it was not there at the start, the app's defaults apply); one the
 * starting value had stays, even empty.
 */
function settle(field: FieldModel, draft: Draft, required: boolean, start: unknown): Draft {
  if (field.kind === 'object' && isRecord(draft)) {
    const settled: { [key: string]: Draft } = {};
    const startObject = isRecord(start) ? start : {};
    for (const [key, inner] of Object.entries(draft)) {
      const property = field.properties.find((candidate) => candidate.name === key);
      const value = property ? settle(property.field, inner, property.required, startObject[key]) : inner;
      if (value !== undefined) settled[key] = value;
    }
    return !required && start === undefined && isBlank(settled) ? undefined : settled;
  }
  if (field.kind === 'array' && Array.isArray(draft)) {
    if (draft.length === 0 && !required && start === undefined) return undefined;
    return draft.map((item) => settle(field.items, item, true, {}));
  }
  return draft;
}

/** The draft as JSON: text not parsed is left out (the form is invalid then anyway). */
function toJson(draft: Draft): JsonValue | undefined {
  if (draft instanceof Unparsed || draft === undefined) return undefined;
  if (Array.isArray(draft)) return draft.map((item) => toJson(item) ?? null);
  if (isRecord(draft)) {
    const object: { [key: string]: JsonValue } = {};
    for (const [key, inner] of Object.entries(draft)) {
      const value = toJson(inner);
      if (value !== undefined) object[key] = value;
    }
    return object;
  }
  return draft;
}

function problemMap(problems: FieldProblem[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const problem of problems) {
    const key = formatPath(problem.path);
    map.set(key, [...(map.get(key) ?? []), problem.message]);
  }
  return map;
}

export function SchemaForm(props: SchemaFormProps) {
  const field = useMemo(() => describeSchema(props.schema ?? {}), [props.schema]);
  const [start] = useState<Draft>(() => {
    const start = initialValue(field, props.value);
    return field.kind === 'object' && start === undefined ? {} : start;
  });
  const [draft, setDraft] = useState<Draft>(start);
  const { settled, problems } = useMemo(() => {
    const settled = settle(field, draft, true, start);
    // Nothing at all (an app without schema and without defaults): no configuration to send.
    const problems = settled === undefined ? [] : validateValue(props.schema ?? {}, settled, props.schema ?? {});
    return { settled, problems };
  }, [draft, field, start, props.schema]);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  useEffect(() => {
    onChange.current?.({ value: toJson(settled), problems, valid: problems.length === 0 });
  }, [settled, problems]);

  const context: FieldContext = {
    formName: props.name,
    disabled: props.disabled === true,
    problems: problemMap(problems),
    set: (path, value) => setDraft((previous) => setAt(previous, path, value)),
  };
  return html`<div class="schema-form" data-test="schema-form" data-name=${props.name} data-valid=${String(problems.length === 0)}>
    ${problems.length > 0 &&
    html`<p class="schema-form-summary" data-test="schema-form-summary" role="status">
      ${problems.length === 1 ? '1 setting needs attention' : `${problems.length} settings need attention`}
    </p>`}
    <${Field} field=${field} path=${[]} draft=${draft} required=${true} context=${context} />
  </div>`;
}

interface FieldProps {
  field: FieldModel;
  path: FieldPath;
  draft: Draft;
  required: boolean;
  context: FieldContext;
  /** In a list: no label of its own, and an empty text is "" rather than "not set". */
  inList?: boolean;
}

function fieldId(context: FieldContext, path: FieldPath): string {
  return `sf-${context.formName}-${formatPath(path) || 'root'}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function Messages(props: { messages: string[] | undefined; prefix?: string }) {
  if (props.messages === undefined || props.messages.length === 0) return null;
  return html`${props.messages.map(
    (message) => html`<div class="field-problem" data-test="field-problem" role="alert">${props.prefix ? `${props.prefix}: ` : ''}${message}</div>`,
  )}`;
}

/** Problems at this path, or (for a JSON field, which draws no inner fields) below it too. */
function messagesFor(context: FieldContext, path: FieldPath, below: boolean): { prefix?: string; messages: string[] }[] {
  const key = formatPath(path);
  const found: { prefix?: string; messages: string[] }[] = [];
  for (const [at, messages] of context.problems) {
    if (at === key) found.push({ messages });
    else if (below && (key === '' || at.startsWith(`${key}.`) || at.startsWith(`${key}[`))) {
      found.push({ prefix: key === '' ? at : at.slice(key.length).replace(/^\./, ''), messages });
    }
  }
  return found;
}

function Field(props: FieldProps) {
  const { field, path, draft, context } = props;
  const id = fieldId(context, path);
  const name = formatPath(path);
  const isNull = field.nullable && draft === null;
  const top = path.length === 0;

  if (field.kind === 'object' && !isNull) {
    const object = isRecord(draft) ? draft : {};
    const inner = field.properties.map(
      (property) => html`<${Field}
        key=${property.name}
        field=${property.field}
        path=${[...path, property.name]}
        draft=${object[property.name]}
        required=${property.required}
        context=${context}
      />`,
    );
    if (top) {
      return html`<div class="schema-fields" data-test="schema-field" data-path="" data-kind="object">
        ${messagesFor(context, path, false).map((found) => html`<${Messages} messages=${found.messages} />`)} ${inner}
      </div>`;
    }
    return html`<fieldset class="schema-object" data-test="schema-field" data-path=${name} data-kind="object">
      <legend>
        ${props.inList ? `#${Number(path[path.length - 1]) + 1}` : field.label}${props.required ? html`<span class="required-mark" title="required"> *</span>` : ''}
        ${field.nullable && html`<${NullToggle} field=${field} path=${path} draft=${draft} context=${context} />`}
      </legend>
      ${field.description && html`<div class="field-description">${field.description}</div>`}
      ${messagesFor(context, path, false).map((found) => html`<${Messages} messages=${found.messages} />`)} ${inner}
    </fieldset>`;
  }

  const hint = constraintHint(field.schema);
  const messages = messagesFor(context, path, field.kind === 'json');
  const invalid = messages.length > 0;
  return html`<div class=${`schema-field${invalid ? ' invalid' : ''}`} data-test="schema-field" data-path=${name} data-kind=${field.kind}>
    ${!props.inList &&
    html`<label class="field-label" for=${id}>
      ${field.label || 'configuration'}${props.required ? html`<span class="required-mark" title="required"> *</span>` : ''}
      ${hint && html`<span class="field-hint">${hint}</span>`}
    </label>`}
    ${field.nullable && html`<${NullToggle} field=${field} path=${path} draft=${draft} context=${context} />`}
    ${isNull ? html`<span class="field-null">none</span>` : html`<${Input} ...${props} id=${id} name=${name} invalid=${invalid} />`}
    ${props.inList && hint && html`<span class="field-hint">${hint}</span>`}
    ${field.description && html`<div class="field-description">${field.description}</div>`}
    ${messages.map((found) => html`<${Messages} messages=${found.messages} prefix=${found.prefix} />`)}
  </div>`;
}

/** For a type that allows null: "none" sets null, unticking it starts the field again. */
function NullToggle(props: { field: FieldModel; path: FieldPath; draft: Draft; context: FieldContext }) {
  const { field, path, draft, context } = props;
  const onChange = (event: Event) => {
    const checked = (event.currentTarget as HTMLInputElement).checked;
    if (checked) context.set(path, null);
    else context.set(path, field.kind === 'object' ? {} : field.kind === 'array' ? [] : undefined);
  };
  return html`<label class="check null-toggle">
    <input type="checkbox" data-test="null-toggle" data-path=${formatPath(path)} checked=${draft === null} disabled=${context.disabled} onChange=${onChange} />
    none
  </label>`;
}

interface InputProps extends FieldProps {
  id: string;
  name: string;
  invalid: boolean;
}

function Input(props: InputProps) {
  switch (props.field.kind) {
    case 'string':
      return html`<${TextInput} ...${props} />`;
    case 'number':
      return html`<${NumberInput} ...${props} />`;
    case 'boolean':
      return html`<${BooleanInput} ...${props} />`;
    case 'enum':
      return html`<${EnumInput} ...${props} />`;
    case 'array':
      return html`<${ListInput} ...${props} />`;
    default:
      return html`<${JsonInput} ...${props} />`;
  }
}

function TextInput(props: InputProps) {
  const { draft, context, path } = props;
  const text = typeof draft === 'string' ? draft : '';
  const onInput = (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    context.set(path, value === '' && !props.inList ? undefined : value);
  };
  return html`<input
    type="text"
    id=${props.id}
    name=${props.name}
    data-test="schema-input"
    value=${text}
    disabled=${context.disabled}
    aria-invalid=${props.invalid}
    onInput=${onInput}
  />`;
}

const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parseNumber(text: string): number | Unparsed | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const number = Number(trimmed);
  return numberPattern.test(trimmed) && Number.isFinite(number) ? number : new Unparsed(text, 'must be a number');
}

function draftText(draft: Draft, show: (value: Draft) => string): string {
  if (draft instanceof Unparsed) return draft.text;
  if (draft === undefined) return '';
  return show(draft);
}

/**
 * The text a person types is kept as typed ("0.50" stays "0.50" while the value is 0.5); it is
 * replaced only when the value changed by other means.
 */
function useTypedText(draft: Draft, parse: (text: string) => Draft, show: (value: Draft) => string): [string, (text: string) => Draft] {
  const [text, setText] = useState(() => draftText(draft, show));
  const same = (a: Draft, b: Draft) => a === b || (a instanceof Unparsed && b instanceof Unparsed ? a.text === b.text : JSON.stringify(a) === JSON.stringify(b));
  const current = same(parse(text), draft) ? text : draftText(draft, show);
  const type = (next: string) => {
    setText(next);
    return parse(next);
  };
  return [current, type];
}

function NumberInput(props: InputProps) {
  const { draft, context, path } = props;
  const [text, type] = useTypedText(draft, parseNumber, (value) => String(value));
  return html`<input
    type="text"
    inputmode="decimal"
    id=${props.id}
    name=${props.name}
    data-test="schema-input"
    value=${text}
    disabled=${context.disabled}
    aria-invalid=${props.invalid}
    onInput=${(event: Event) => context.set(path, type((event.currentTarget as HTMLInputElement).value))}
  />`;
}

function BooleanInput(props: InputProps) {
  const { draft, context, path } = props;
  return html`<input
    type="checkbox"
    id=${props.id}
    name=${props.name}
    data-test="schema-input"
    checked=${draft === true}
    disabled=${context.disabled}
    onChange=${(event: Event) => context.set(path, (event.currentTarget as HTMLInputElement).checked)}
  />`;
}

function EnumInput(props: InputProps) {
  const { draft, context, path } = props;
  if (props.field.kind !== 'enum') return null;
  const options = props.field.options;
  const selected = options.findIndex((option) => JSON.stringify(option) === JSON.stringify(draft));
  // A value outside the list (from an older version) is shown, so it is not lost silently.
  const foreign = selected < 0 && draft !== undefined && draft !== null;
  const onChange = (event: Event) => {
    const index = (event.currentTarget as HTMLSelectElement).value;
    if (index === '') context.set(path, undefined);
    else if (index === 'foreign') return;
    else context.set(path, options[Number(index)] as Draft);
  };
  return html`<select
    id=${props.id}
    name=${props.name}
    data-test="schema-input"
    disabled=${context.disabled}
    aria-invalid=${props.invalid}
    onChange=${onChange}
  >
    ${(!props.required || selected < 0) && html`<option value="" selected=${selected < 0 && !foreign}>— not set —</option>`}
    ${foreign && html`<option value="foreign" selected>${draftText(draft, (value) => JSON.stringify(value))}</option>`}
    ${options.map((option, index) => html`<option value=${String(index)} selected=${index === selected}>${typeof option === 'string' ? option : JSON.stringify(option)}</option>`)}
  </select>`;
}

/** A new item of a list: the items' default, else nothing yet ("" for text). */
function newItem(items: FieldModel): Draft {
  const start = initialValue(items, undefined);
  if (start !== undefined) return start;
  if (items.kind === 'string') return '';
  if (items.kind === 'object') return {};
  if (items.kind === 'boolean') return false;
  return undefined;
}

function ListInput(props: InputProps) {
  const { draft, context, path, field } = props;
  const list = Array.isArray(draft) ? draft : [];
  // Stable keys, so an input keeps its typed text when an item above it is removed.
  const keys = useRef<number[]>([]);
  const nextKey = useRef(0);
  while (keys.current.length < list.length) keys.current.push(nextKey.current++);
  if (keys.current.length > list.length) keys.current.length = list.length;
  if (field.kind !== 'array') return null;
  const add = () => {
    keys.current.push(nextKey.current++);
    context.set(path, [...list, newItem(field.items)]);
  };
  const remove = (index: number) => {
    keys.current.splice(index, 1);
    context.set(
      path,
      list.filter((_, at) => at !== index),
    );
  };
  return html`<div class="schema-list" id=${props.id} data-test="schema-list" data-path=${props.name}>
    ${list.map(
      (item, index) => html`<div class="schema-list-item" key=${keys.current[index]} data-test="list-item" data-index=${index}>
        <${Field} field=${field.items} path=${[...path, index]} draft=${item} required=${true} context=${context} inList=${true} />
        <button type="button" class="small-button secondary" data-test="list-remove" disabled=${context.disabled} title="remove this item" onClick=${() => remove(index)}>
          ×
        </button>
      </div>`,
    )}
    <button type="button" class="small-button secondary" data-test="list-add" data-path=${props.name} disabled=${context.disabled} onClick=${add}>+ add</button>
  </div>`;
}

function parseJson(text: string): Draft {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    return new Unparsed(text, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function JsonInput(props: InputProps) {
  const { draft, context, path } = props;
  const [text, type] = useTypedText(draft, parseJson, (value) => JSON.stringify(value, null, 2));
  const lines = Math.min(12, Math.max(2, text.split('\n').length));
  return html`<textarea
    class="schema-json"
    id=${props.id}
    name=${props.name}
    data-test="schema-input"
    rows=${lines}
    spellcheck=${false}
    disabled=${context.disabled}
    aria-invalid=${props.invalid}
    placeholder="JSON"
    value=${text}
    onInput=${(event: Event) => context.set(path, type((event.currentTarget as HTMLTextAreaElement).value))}
  ></textarea>`;
}
