// The layout of each supported type's information element (IEC 60870-5-101 7.3), one row a type.
import { TypeId, type TypeIdName, type TypeIdValue } from './api.js';

/** How the element after the IOA is built (the time tag, if any, follows it). */
export type ElementKind =
  | 'SIQ' // single point with quality: SPI bit 0, BL SB NT IV
  | 'DIQ' // double point with quality: DPI bits 0-1, BL SB NT IV
  | 'NVA' // normalised value int16 / 32768, then QDS
  | 'SVA' // scaled value int16, then QDS
  | 'R32' // IEEE 754 float32, then QDS
  | 'BCR' // binary counter reading: int32, then sequence number / CY / CA / IV
  | 'SCO' // single command: SCS bit 0, QU bits 2-6, S/E bit 7
  | 'DCO' // double command: DCS bits 0-1, QU bits 2-6, S/E bit 7
  | 'R32_QOS' // set-point float32, then QOS: QL bits 0-6, S/E bit 7
  | 'COI' // cause of initialisation
  | 'QOI' // qualifier of interrogation
  | 'NONE'; // C_CS_NA_1: the element is only the time tag

export interface TypeInfo {
  id: TypeIdValue;
  name: TypeIdName;
  kind: ElementKind;
  /** A CP56Time2a follows the element (TB, TD, TE, TF types and C_CS_NA_1). */
  timeTagged: boolean;
  /** Octets of one object after its IOA, time tag included. */
  elementSize: number;
  /** Monitor direction (M_*) or control direction (C_*). */
  direction: 'monitor' | 'control';
  /** Quality bits that exist on the wire for this type (0 where quality is not carried). */
  qualityMask: number;
}

const SIQ_QUALITY = 0xf0; // BL SB NT IV (bits 1-3 are reserved)
const QDS_QUALITY = 0xf1; // OV BL SB NT IV (bits 1-3 are reserved)
const BCR_FLAGS = 0xff; // sequence number bits 0-4, CY, CA, IV

const rows: [TypeIdName, ElementKind, number, boolean, number][] = [
  ['M_SP_NA_1', 'SIQ', 1, false, SIQ_QUALITY],
  ['M_DP_NA_1', 'DIQ', 1, false, SIQ_QUALITY],
  ['M_ME_NA_1', 'NVA', 3, false, QDS_QUALITY],
  ['M_ME_NB_1', 'SVA', 3, false, QDS_QUALITY],
  ['M_ME_NC_1', 'R32', 5, false, QDS_QUALITY],
  ['M_IT_NA_1', 'BCR', 5, false, BCR_FLAGS],
  ['M_SP_TB_1', 'SIQ', 1, true, SIQ_QUALITY],
  ['M_DP_TB_1', 'DIQ', 1, true, SIQ_QUALITY],
  ['M_ME_TD_1', 'NVA', 3, true, QDS_QUALITY],
  ['M_ME_TE_1', 'SVA', 3, true, QDS_QUALITY],
  ['M_ME_TF_1', 'R32', 5, true, QDS_QUALITY],
  ['M_IT_TB_1', 'BCR', 5, true, BCR_FLAGS],
  ['C_SC_NA_1', 'SCO', 1, false, 0],
  ['C_DC_NA_1', 'DCO', 1, false, 0],
  ['C_SE_NC_1', 'R32_QOS', 5, false, 0],
  ['M_EI_NA_1', 'COI', 1, false, 0],
  ['C_IC_NA_1', 'QOI', 1, false, 0],
  ['C_CS_NA_1', 'NONE', 0, true, 0],
];

const byId = new Map<number, TypeInfo>();
for (const [name, kind, valueSize, timeTagged, qualityMask] of rows) {
  byId.set(TypeId[name], {
    id: TypeId[name],
    name,
    kind,
    timeTagged,
    elementSize: valueSize + (timeTagged ? 7 : 0),
    direction: name.startsWith('M_') ? 'monitor' : 'control',
    qualityMask,
  });
}

/** The layout of a type id, undefined when Gridlink does not support it. */
export function typeInfo(typeId: number): TypeInfo | undefined {
  return byId.get(typeId);
}

/** Every supported type, in TypeId order. */
export const supportedTypes: readonly TypeInfo[] = [...byId.values()];

/** "M_SP_NA_1" for 1, "type 99" for an unsupported one: for messages. */
export function typeName(typeId: number): string {
  return byId.get(typeId)?.name ?? `type ${typeId}`;
}
