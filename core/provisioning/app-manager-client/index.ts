/** The AppManager's bus client, shared by the app gateway and the dashboard. */
export { isOperation, OPERATION_KINDS, type AppCommand, type CommandKind } from './app-command.js';
export { AppManagerClient, type BusCall, type ClientTimeouts } from './app-manager-client.js';
export { AppManagerError, asAppManagerError, type AppManagerErrorCode } from './app-manager-error.js';
export { appJson, appsReplyJson, catalogueJson, eventJson, manifestJson, parseJsonText, planJson, type Json, type JsonObject } from './app-json.js';
