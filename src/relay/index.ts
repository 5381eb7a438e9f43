// The vendor's relay (DESIGN.md "Relay protocol"): verifies Zoom webhooks, enrolls devices, signs
// leases and wipe commands, keeps them pending until a receipt arrives, and keeps the ledger.

export { startRelay } from './server.js';
export { runRelayCommand, type RelayCommandIo } from './cli.js';
export type { CloudCopy, Relay, RelayOptions, RelayStartError, RelayStartErrorCode } from './types.js';
export type { ComplianceDeviceView } from './compliance.js';
export type { DeviceUserStatus, Obligation } from './ledger.js';
