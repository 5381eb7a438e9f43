// The API route table: path template, rate-limit category (Zoom's label for each endpoint), the
// granular scope it needs, and its handler. Labels ('GET ' + template) name endpoints in counts and
// in fault plans.

import { ENDPOINT_SCOPES } from './grants.js';
import { getMe, getPastMeeting, listCallHistory, listInstances, listMeetings, listPastParticipants, listRecordings, listReportMeetings, listReportParticipants, type RequestContext } from './history.js';
import type { RateClass } from './rateLimits.js';
import type { Reply } from './reply.js';

export interface Endpoint {
  template: string;
  label: string;
  rate: RateClass;
  /** Its user-level form; an admin-level grant's `…:admin` form serves as well. */
  scope: string;
  handle(ctx: RequestContext): Reply;
}

const main = (category: 'light' | 'medium' | 'heavy'): RateClass => ({ api: 'main', category });

const S = ENDPOINT_SCOPES;
const TABLE: [template: string, rate: RateClass, scope: string, handle: (ctx: RequestContext) => Reply][] = [
  ['/v2/users/{userId}', main('light'), S.me, getMe],
  ['/v2/users/{userId}/meetings', main('medium'), S.listMeetings, listMeetings],
  ['/v2/past_meetings/{meetingId}', main('light'), S.pastMeeting, getPastMeeting],
  ['/v2/past_meetings/{meetingId}/instances', main('medium'), S.pastInstances, listInstances],
  ['/v2/past_meetings/{meetingId}/participants', main('medium'), S.pastParticipants, listPastParticipants],
  ['/v2/report/users/{userId}/meetings', main('heavy'), S.reportMeetings, listReportMeetings],
  ['/v2/report/meetings/{meetingId}/participants', main('heavy'), S.reportParticipants, listReportParticipants],
  ['/v2/users/{userId}/recordings', main('medium'), S.recordings, listRecordings],
  ['/v2/phone/users/{userId}/call_history', { api: 'phone', category: 'medium' }, S.callHistory, listCallHistory],
];

interface Route {
  endpoint: Endpoint;
  segments: string[];
}

export interface Match {
  endpoint: Endpoint;
  /** Still percent-encoded, as they arrived. */
  params: Record<string, string>;
}

function buildRoutes(): Route[] {
  const seen = new Set<string>();
  return TABLE.map(([template, rate, scope, handle]) => {
    if (seen.has(template)) throw new Error(`route registered twice: ${template}`);
    seen.add(template);
    return { endpoint: { template, label: `GET ${template}`, rate, scope, handle }, segments: template.split('/') };
  });
}

const ROUTES = buildRoutes();

/** The endpoint for a raw (still encoded) path: a %2F inside a segment does not split it. */
export function matchRoute(rawPath: string): Match | null {
  const parts = rawPath.split('/');
  for (const route of ROUTES) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matched = route.segments.every((segment, i) => {
      const part = parts[i] as string;
      if (segment.startsWith('{')) {
        params[segment.slice(1, -1)] = part;
        return part !== '';
      }
      return segment === part;
    });
    if (matched) return { endpoint: route.endpoint, params };
  }
  return null;
}
