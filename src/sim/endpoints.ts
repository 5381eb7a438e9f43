// The API route table: path template, rate-limit category (Zoom's label for each endpoint) and
// handler. Labels ('GET ' + template) name endpoints in counts and in fault plans.

import { getMe, getPastMeeting, listCallHistory, listInstances, listMeetings, listPastParticipants, listRecordings, listReportMeetings, listReportParticipants, type RequestContext } from './history.js';
import type { RateClass } from './rateLimits.js';
import type { Reply } from './reply.js';

export interface Endpoint {
  template: string;
  label: string;
  rate: RateClass;
  handle(ctx: RequestContext): Reply;
}

const main = (category: 'light' | 'medium' | 'heavy'): RateClass => ({ api: 'main', category });

const TABLE: [template: string, rate: RateClass, handle: (ctx: RequestContext) => Reply][] = [
  ['/v2/users/{userId}', main('light'), getMe],
  ['/v2/users/{userId}/meetings', main('medium'), listMeetings],
  ['/v2/past_meetings/{meetingId}', main('light'), getPastMeeting],
  ['/v2/past_meetings/{meetingId}/instances', main('medium'), listInstances],
  ['/v2/past_meetings/{meetingId}/participants', main('medium'), listPastParticipants],
  ['/v2/report/users/{userId}/meetings', main('heavy'), listReportMeetings],
  ['/v2/report/meetings/{meetingId}/participants', main('heavy'), listReportParticipants],
  ['/v2/users/{userId}/recordings', main('medium'), listRecordings],
  ['/v2/phone/users/{userId}/call_history', { api: 'phone', category: 'medium' }, listCallHistory],
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
  return TABLE.map(([template, rate, handle]) => {
    if (seen.has(template)) throw new Error(`route registered twice: ${template}`);
    seen.add(template);
    return { endpoint: { template, label: `GET ${template}`, rate, handle }, segments: template.split('/') };
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
