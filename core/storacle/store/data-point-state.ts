import type { Series } from '../series/index.js';
import type { CatalogueEntry } from './catalogue.js';

/** What the store holds per data point: its catalogue entry and its series (entries + statistics). */
export interface DataPointState {
  readonly entry: CatalogueEntry;
  readonly series: Series;
}
