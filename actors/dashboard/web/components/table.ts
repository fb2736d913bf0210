// The dashboard's table: sortable columns, a sticky header, and a body that scrolls inside its
// panel (the page itself never grows wider than 1280 px). Rows carry data-* attributes so tests
// and people can find them by name or key.
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<Row> {
  /** Stable id of the column (sorting, data-col). */
  id: string;
  title: string;
  render: (row: Row) => ComponentChildren;
  /** Makes the column sortable by this value. */
  sortValue?: (row: Row) => string | number;
  /** CSS class of the cells ("num" right-aligns, "wrap" lets long text wrap). */
  class?: string;
  /** A CSS width ("6em"); the rest share what is left. */
  width?: string;
}

export interface Sort {
  column: string;
  descending: boolean;
}

export interface TableProps<Row> {
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  /** Extra attributes of a row: class, data-test, data-name... */
  rowAttributes?: (row: Row) => Record<string, string | number | boolean | undefined>;
  /** Sorting at first; the user changes it by clicking a sortable header. */
  initialSort?: Sort;
  /** Controlled sorting (the page keeps it), with onSort. */
  sort?: Sort;
  onSort?: (sort: Sort) => void;
  /** What an empty table says. */
  empty?: ComponentChildren;
  'data-test'?: string;
  /** Maximum height of the scrolling body, e.g. "calc(100vh - 260px)". */
  maxHeight?: string;
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function Table<Row>(props: TableProps<Row>) {
  const [ownSort, setOwnSort] = useState<Sort | undefined>(props.initialSort);
  const sort = props.sort ?? ownSort;
  const setSort = (next: Sort): void => {
    if (props.onSort) props.onSort(next);
    else setOwnSort(next);
  };
  const column = sort === undefined ? undefined : props.columns.find((c) => c.id === sort.column);
  let rows = props.rows;
  if (sort !== undefined && column?.sortValue !== undefined) {
    const value = column.sortValue;
    rows = [...rows].sort((a, b) => (sort.descending ? -1 : 1) * compare(value(a), value(b)));
  }
  const header = props.columns.map((c) => {
    const sortable = c.sortValue !== undefined;
    const active = sort?.column === c.id;
    const onClick = sortable ? () => setSort({ column: c.id, descending: active ? !sort.descending : false }) : undefined;
    const ariaSort = active ? (sort.descending ? 'descending' : 'ascending') : undefined;
    return html`<th
      class=${`${c.class ?? ''}${sortable ? ' sortable' : ''}`}
      style=${c.width === undefined ? undefined : { width: c.width }}
      aria-sort=${ariaSort}
      data-col=${c.id}
      data-test=${sortable ? `sort-${c.id}` : undefined}
      onClick=${onClick}
    >${c.title}${active ? (sort.descending ? ' ▼' : ' ▲') : ''}</th>`;
  });
  const body =
    rows.length === 0
      ? html`<tr class="empty"><td colspan=${props.columns.length}>${props.empty ?? 'Nothing to show.'}</td></tr>`
      : rows.map(
          (row) => html`<tr key=${props.rowKey(row)} ...${props.rowAttributes?.(row) ?? {}}>
            ${props.columns.map((c) => html`<td class=${c.class} data-col=${c.id}>${c.render(row)}</td>`)}
          </tr>`,
        );
  return html`<div class="table-scroll" style=${props.maxHeight === undefined ? undefined : { maxHeight: props.maxHeight }}>
    <table class="table" data-test=${props['data-test']}>
      <thead><tr>${header}</tr></thead>
      <tbody>${body}</tbody>
    </table>
  </div>`;
}
