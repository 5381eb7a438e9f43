// The Zoom client: OAuth with PKCE and a loopback login, token rotation, a shared rate limiter,
// the HTTP core with typed failures, and the history endpoints as records.

import { ZoomClient } from './client.js';
import { ZoomApi, type ZoomApiOptions } from './zoomApi.js';

export { ZoomClient, DEFAULT_PAGE_SIZE, type PageQuery, type WindowQuery, type ZoomPage, type ZoomPageResult } from './client.js';
export { ZoomApi, DEFAULT_REQUEST_TIMEOUT_MS, type Query, type ZoomApiOptions } from './zoomApi.js';
export { CATEGORIES, ENDPOINTS, type EndpointName, type EndpointSpec, type MainCategory, type PhoneCategory, type ZoomCategory } from './endpoints.js';
export { PLAN_LIMITS, type CategoryLimit, type ZoomPlan } from './planLimits.js';
export { RateLimiter, limiterFor, nextUtcMidnight, type LimiterStop, type RateLimiterOptions, type ThrottleVerdict, type TooManyRequests } from './rateLimiter.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { classifyError, type ZoomFailure } from './failures.js';
export { authorizeUrl, createPkce, type AuthorizeUrlOptions, type Pkce } from './pkce.js';
export {
  classifyRefreshRejection,
  exchangeCode,
  refreshTokens,
  revokeToken,
  type OAuthCallOptions,
  type OAuthClient,
  type OAuthFailure,
  type TokenSet,
} from './oauth.js';
export { loginWithBrowser, startLogin, DEFAULT_LOGIN_TIMEOUT_MS, type BrowserLoginOptions, type LoginError, type LoginOptions, type LoginSession } from './login.js';
export { createUrlOpener, openUrlInBrowser, type OpenUrl } from '../platform/openUrl.js';
export { TokenManager, REFRESH_MARGIN_MS, type AccessTokens, type TokenFailure, type TokenManagerOptions, type TokenStore } from './tokenManager.js';
export { encodeMeetingUuid, dateWindow } from './requestPaths.js';
export { readZoomEvent, type EventReadError, type ZoomEventAction } from './eventObjects.js';
export { participantKey, type ListedMeeting, type MeetingInstance, type ZoomUser } from './mapping.js';

/** A client over one grant: the HTTP core and the endpoints, with `options.log` for both. */
export function createZoomClient(options: ZoomApiOptions): ZoomClient {
  return new ZoomClient(new ZoomApi(options), options.log);
}
