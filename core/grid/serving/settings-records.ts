/**
 * Lists of small records in module settings ("buildings" of BRM,
 * "monitoringPoints" of GRM): objects whose fields are non-empty strings,
 * some required, with a unique `id`. Every problem is collected with where it
 * is ("buildings"[2].dataPoint ...), so a bad configuration is reported whole
 * rather than one problem per restart.
 */
export interface RecordShape<R extends string, O extends string> {
  /** The setting's name, for messages. */
  readonly list: string;
  readonly required: readonly R[];
  readonly optional: readonly O[];
}

export type StringRecord<R extends string, O extends string> = { readonly [K in R]: string } & { readonly [K in O]?: string };

/** The valid records of `raw` (a list, or absent); problems go to `problems`. */
export function stringRecords<R extends string, O extends string>(raw: unknown, shape: RecordShape<R, O>, problems: string[]): StringRecord<R, O>[] {
  const fields: readonly string[] = [...shape.required, ...shape.optional];
  const outline = `{ ${[...shape.required, ...shape.optional.map((key) => `${key}?`)].join(', ')} }`;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`"${shape.list}" must be a list of ${outline}`);
    return [];
  }
  const records: StringRecord<R, O>[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const where = `"${shape.list}"[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return void problems.push(`${where} must be an object ${outline}`);
    const given = entry as Record<string, unknown>;
    for (const key of Object.keys(given)) if (!fields.includes(key)) problems.push(`${where}: unknown key "${key}" (known: ${fields.join(', ')})`);
    const record: Record<string, string> = {};
    let complete = true;
    for (const key of fields) {
      const value = given[key];
      const required = (shape.required as readonly string[]).includes(key);
      if (value === undefined && !required) continue;
      if (typeof value !== 'string' || value === '') {
        problems.push(`${where}.${key} must be a non-empty string`);
        if (required) complete = false;
        continue;
      }
      record[key] = value;
    }
    const id = record.id;
    if (id !== undefined && seen.has(id)) return void problems.push(`${where}: the id ${id} is given twice`);
    if (!complete) return;
    if (id !== undefined) seen.add(id);
    records.push(record as StringRecord<R, O>);
  });
  return records;
}
