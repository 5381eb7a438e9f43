// One user's cast and identifiers: the host, a pool of colleagues and guests whose names, emails
// and phone numbers carry the user's canary and digit run, and unique meeting ids and UUIDs.

import { DIGITS, type Rng } from './random.js';
import { FIRST_NAMES, LAST_NAMES, zoomId, type UserProfile } from './directory.js';
import { needsDoubleEncoding } from './meetingLookup.js';

const PARTNER_DOMAINS = ['partner.example', 'client.example.org', 'vendor.example.net'];
const UUID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export interface Person {
  name: string;
  /** '' for a guest who gave none. */
  email: string;
  /** The person's Zoom user id; '' for a guest. */
  zoomId: string;
  internal: boolean;
  phone: string;
  extension: string | null;
}

/** What stays the same across one user's meetings and calls. */
export interface Kit {
  profile: UserProfile;
  host: Person;
  contacts: Person[];
  usedMeetingIds: Set<number>;
  usedUuids: Set<string>;
}

export type UuidForm = 'plain' | 'leading-slash' | 'double-slash';

export function createKit(profile: UserProfile, rng: Rng): Kit {
  const usedLines = new Set<string>();
  const phone = (): string => {
    let line = rng.chars(DIGITS, 3);
    while (usedLines.has(line)) line = rng.chars(DIGITS, 3);
    usedLines.add(line);
    return `+1${profile.digitRun}${line}`;
  };
  const host: Person = {
    name: profile.displayName,
    email: profile.user.email,
    zoomId: profile.user.userId,
    internal: true,
    phone: phone(),
    extension: `1${rng.chars(DIGITS, 3)}`,
  };
  const contacts: Person[] = [];
  const poolSize = Math.max(30, profile.size.participantsPerMeeting + 5);
  for (let i = 1; i <= poolSize; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length] as string;
    const last = LAST_NAMES[(i * 7 + 3) % LAST_NAMES.length] as string;
    const internal = i <= poolSize * 0.6;
    const guestWithoutEmail = !internal && i % 3 === 0;
    const domain = internal ? 'example.com' : (PARTNER_DOMAINS[i % PARTNER_DOMAINS.length] as string);
    contacts.push({
      name: `${first} ${last} ${profile.canary}`,
      email: guestWithoutEmail ? '' : `${first.toLowerCase()}.${last.toLowerCase()}.${profile.canary}@${domain}`,
      zoomId: internal ? zoomId(rng) : '',
      internal,
      phone: phone(),
      extension: internal ? `1${rng.chars(DIGITS, 3)}` : null,
    });
  }
  return { profile, host, contacts, usedMeetingIds: new Set(), usedUuids: new Set() };
}

/** A version-4-looking UUID, as Zoom uses for call and recording file ids. */
export function uuidLike(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** An 11-digit meeting id, unique for the user. */
export function newMeetingId(kit: Kit, rng: Rng): number {
  let id = rng.int(81_000_000_000, 99_999_999_999);
  while (kit.usedMeetingIds.has(id)) id = rng.int(81_000_000_000, 99_999_999_999);
  kit.usedMeetingIds.add(id);
  return id;
}

/**
 * Zoom meeting UUIDs look like base64 of 16 bytes. `form` asks for one that starts with '/', one
 * that contains '//' (both must be double-encoded in paths), or one that needs neither.
 */
export function newUuid(kit: Kit, rng: Rng, form: UuidForm): string {
  for (;;) {
    let body = rng.chars(UUID_ALPHABET, 22);
    if (form === 'leading-slash') body = `/${body.slice(1)}`;
    if (form === 'double-slash') body = `${body.slice(0, 6).replaceAll('/', 'x')}//${body.slice(8)}`;
    const uuid = `${body}==`;
    if ((form === 'plain') === needsDoubleEncoding(uuid) || kit.usedUuids.has(uuid)) continue;
    kit.usedUuids.add(uuid);
    return uuid;
  }
}
