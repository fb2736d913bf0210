/**
 * The element kinds of core/grid/network.ts as schemas/grid.fbs names them on
 * the wire, both ways: GRM encodes with it, SSD decodes with it.
 */
import type { ElementKind } from '../network.js';
import type { ElementKind as WireKind } from '../../../schemas/generated/messages.js';

export const KIND_ON_WIRE: Readonly<Record<ElementKind, WireKind>> = {
  node: 'Node',
  busbar: 'Busbar',
  line: 'Line',
  switch: 'Switch',
  transformer: 'Transformer',
  source: 'Source',
  consumer: 'Consumer',
  generator: 'Generator',
  other: 'Other',
};

export const KIND_FROM_WIRE: Readonly<Record<WireKind, ElementKind>> = Object.fromEntries(
  Object.entries(KIND_ON_WIRE).map(([kind, wire]) => [wire, kind]),
) as Record<WireKind, ElementKind>;
