// The Zoom simulator: OAuth (PKCE), the history endpoints, rate limits, faults and signed
// webhooks, on 127.0.0.1. See /work/briefs/sim.md for the contract.

export { startSimulator } from './server.js';
export { signZoomWebhook } from './webhook.js';
export { runSimCommand } from './cli.js';
export type {
  CallTruth,
  DatasetSize,
  FaultKind,
  FaultPlan,
  GroundTruth,
  Horizons,
  MeetingKind,
  MeetingTruth,
  RequestCounts,
  ServedEndpoints,
  SimAccountSpec,
  SimAdmin,
  SimAppType,
  SimOptions,
  SimPlan,
  SimUser,
  SimUserSpec,
  Simulator,
} from './types.js';
export type {
  CallLogJson,
  MeetingListItemJson,
  ParticipantJson,
  PastMeetingJson,
  RecordingFileJson,
  RecordingMeetingJson,
  ReportMeetingJson,
  UserMeJson,
  ZoomEventJson,
} from './zoomJson.js';
