// Zoom's rate-limit label of every endpoint the client calls (ZOOM.md sections 4 and 5). One table:
// the client takes each request's category from it, and the tests check the simulator against it.
// Every one of them is open to a user-managed app (user-level scopes); the report API is not
// (ZOOM.md section 7), so the client has none of it.

/** Main API categories; Zoom Phone endpoints draw from the Phone API's own table. */
export type MainCategory = 'light' | 'medium' | 'heavy' | 'resource-intensive';
export type PhoneCategory = 'phone-light' | 'phone-medium';
export type ZoomCategory = MainCategory | PhoneCategory;

export const CATEGORIES: readonly ZoomCategory[] = ['light', 'medium', 'heavy', 'resource-intensive', 'phone-light', 'phone-medium'];

export interface EndpointSpec {
  /** The path under /v2, with `{name}` parameters: also the endpoint's label in logs and failures. */
  template: string;
  category: ZoomCategory;
}

export const ENDPOINTS = {
  me: { template: '/users/{userId}', category: 'light' },
  previousMeetings: { template: '/users/{userId}/meetings', category: 'medium' },
  pastMeeting: { template: '/past_meetings/{meetingId}', category: 'light' },
  pastInstances: { template: '/past_meetings/{meetingId}/instances', category: 'medium' },
  pastParticipants: { template: '/past_meetings/{meetingId}/participants', category: 'medium' },
  recordings: { template: '/users/{userId}/recordings', category: 'medium' },
  callHistory: { template: '/phone/users/{userId}/call_history', category: 'phone-medium' },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

/** The path for `spec` with its parameters, which the caller has already encoded. */
export function fillTemplate(spec: EndpointSpec, params: Readonly<Record<string, string>>): string {
  return spec.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${spec.template}`);
    return value;
  });
}
