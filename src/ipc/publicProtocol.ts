/**
 * `callvault/protocol`: the IPC contract's types and constants, for apps that speak it with a
 * client of their own. The same contract as OpenRPC is `callvault/openrpc.json`.
 */
export { PROTOCOL_VERSION, TOPICS, MAX_LIST_LIMIT, MAX_SEARCH_LIMIT, DEFAULT_LIMIT } from './protocol.js';
export type { EventDataOf, HandledMethodName, HelloResult, MethodName, ParamsInput, ParamsOf, ResultOf, Topic } from './protocol.js';
export type { AccountStatus, OmittedAccount, ReceiptView } from './schemas.js';
export { LIMITS, DEFAULT_IPC_LIMITS, type IpcLimits, type LimitName } from './limits.js';
export { NUMERIC_CODES, RPC_CODES, JSONRPC_VERSION } from './jsonrpc.js';
export { ERROR_CODES, type ApiError, type ErrorCode } from '../core/errors.js';
export type { CallRecord, MeetingDetail, MeetingRecord, ParticipantRecord, RecordingRecord, SearchHit } from '../core/records.js';
