// Gridlink's IEC 60870-5-104: the contract, then the codec (bytes <-> Apdu and Asdu).
export * from './api.js';
export { CONTROL_SIZE, MAX_APDU_LENGTH, MAX_ASDU_SIZE, SEQUENCE_MODULO, START_BYTE, U_CONTROL, decodeApdu, encodeApdu } from './apci.js';
export { ASDU_HEADER_SIZE, IOA_SIZE, MAX_IOA, MAX_OBJECTS, decodeAsdu, encodeAsdu, maxObjectsPerAsdu } from './asdu.js';
export { CP56TIME2A_SIZE, type Cp56Time, decodeCp56Time2a, encodeCp56Time2a, readCp56Time2a, writeCp56Time2a } from './cp56time2a.js';
export { FrameReader } from './frame-reader.js';
export { type ElementKind, type TypeInfo, supportedTypes, typeInfo, typeName } from './type-info.js';

// --- link and stations (link.ts, stations): the link helper adds its exports below this line ---
export { checkParameters, connectSocket, Iec104Link, type LinkCounters, type LinkOptions, type LinkSide } from './link.js';
export { ControllingStation, type ControllingStationOptions } from './controlling-station.js';
export {
  BROADCAST_ADDRESS,
  ControlledStation,
  type ControlledStationHandlerWithSelect,
  type ControlledStationOptions,
  REFUSE_UNKNOWN_IOA,
} from './controlled-station.js';
