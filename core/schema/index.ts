/**
 * Message schemas at run time: the MessageType contract, the descriptor-driven
 * FlatBuffers codec with its JSON mapping, and lookup of every generated
 * message type by name. Typed constants per message live in
 * schemas/generated/messages.ts.
 */
export type { MessageType, MessageOf, RequestType, ReplyOf } from './message-type.js';
export type {
  AttributeValue,
  ElementTypeDescriptor,
  EnumDescriptor,
  EnumValueDescriptor,
  FieldDescriptor,
  IntegerType,
  ScalarType,
  SchemaSource,
  StructDescriptor,
  StructFieldDescriptor,
  TableDescriptor,
  TypeDescriptor,
  UnionDescriptor,
  UnionMemberDescriptor,
} from './descriptor.js';
export { fieldPropertyName, shortName } from './descriptor.js';
export { MalformedMessageError, SchemaError } from './errors.js';
export { MAX_DEPTH, EXPANSION_FACTOR } from './binary.js';
export {
  Schema,
  TableMessageType,
  TableRequestType,
  defineSchema,
  isRequestType,
  tableDescriptorOf,
} from './schema.js';
export { allMessageTypes, messageTypeByName, verifyMessage, type VerifyResult } from './registry.js';
