// The simulated Zoom accounts and users: ids, names, canaries. Each user's values come from a
// generator seeded with (seed, account index, user index), so adding a user leaves the others as
// they were.

import { ALNUM, DIGITS, createRng, type Rng } from './random.js';
import type { DatasetSize, SimAccountSpec, SimPlan, SimUser } from './types.js';

const DATASETS: Record<'small' | 'year', DatasetSize> = {
  small: { meetings: 60, participantsPerMeeting: 5, calls: 80, recordings: 10, days: 365 },
  year: { meetings: 2000, participantsPerMeeting: 10, calls: 3000, recordings: 300, days: 365 },
};

export const DEFAULT_ACCOUNTS: SimAccountSpec[] = [{ plan: 'pro', users: [{}] }];

export const FIRST_NAMES = ['Maya', 'Liam', 'Sofia', 'Noah', 'Aisha', 'Mateo', 'Hana', 'Oliver', 'Priya', 'Lucas', 'Amara', 'Elias', 'Yuki', 'Jonas', 'Leila', 'Diego', 'Freya', 'Omar', 'Chloe', 'Ravi', 'Ingrid', 'Kofi', 'Mei', 'Tomas'];
export const LAST_NAMES = ['Patel', 'Nguyen', 'Garcia', 'Schmidt', 'Okafor', 'Kowalski', 'Tanaka', 'Silva', 'Johansson', 'Haddad', 'Murphy', 'Rossi', 'Kim', 'Dubois', 'Novak', 'Mensah', 'Larsen', 'Chen', 'Moreau', 'Singh'];
const TIMEZONES = ['America/New_York', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo', 'Europe/London', 'Australia/Sydney', 'America/Chicago'];
const ID_ALPHABET = `${ALNUM}-_`;
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';

/** A simulated user with what the generators and endpoints need beyond the public SimUser. */
export interface UserProfile {
  user: SimUser;
  accountIndex: number;
  /** The text all of this user's generators are seeded from. */
  seedKey: string;
  size: DatasetSize;
  firstName: string;
  lastName: string;
  displayName: string;
  timezone: string;
  /** Embedded in every topic, name and email of this user's content. */
  canary: string;
  /** Every phone number in this user's content starts +1 and then this run. */
  digitRun: string;
  /** The personal meeting ID: 10 digits, unlike the 11 of other meeting IDs. */
  pmi: number;
}

export function zoomId(rng: Rng): string {
  return rng.chars(ID_ALPHABET, 22);
}

function canaryToken(rng: Rng): string {
  // Upper, lower, digit, repeated: distinctive, and unlike any word or id in the data.
  const pattern = [UPPER, LOWER, DIGITS, UPPER, LOWER, DIGITS, UPPER, LOWER];
  return pattern.map((alphabet) => rng.chars(alphabet, 1)).join('');
}

function resolveSize(dataset: 'small' | 'year' | DatasetSize | undefined): DatasetSize {
  const size = typeof dataset === 'object' ? dataset : DATASETS[dataset ?? 'small'];
  const counts = [size.meetings, size.participantsPerMeeting, size.calls, size.recordings, size.days];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0) || size.days < 1 || size.participantsPerMeeting < 1) {
    throw new Error('DatasetSize needs non-negative integers, days >= 1 and participantsPerMeeting >= 1');
  }
  return size;
}

export function seedText(seed: string | number | undefined): string {
  return String(seed ?? 1);
}

export function createDirectory(seed: string, accounts: SimAccountSpec[]): UserProfile[] {
  const profiles: UserProfile[] = [];
  const canaries = new Set<string>();
  const digitRuns = new Set<string>();
  accounts.forEach((account, accountIndex) => {
    const accountId = zoomId(createRng(`${seed}/account/${accountIndex}`));
    account.users.forEach((spec, userIndex) => {
      const seedKey = `${seed}/account/${accountIndex}/user/${userIndex}`;
      const rng = createRng(seedKey);
      const userId = zoomId(rng);
      const firstName = rng.pick(FIRST_NAMES);
      const surname = rng.pick(LAST_NAMES);
      let canary = canaryToken(rng);
      while (canaries.has(canary)) canary = canaryToken(rng);
      canaries.add(canary);
      let digitRun = `555${rng.chars(DIGITS, 4)}`;
      while (digitRuns.has(digitRun)) digitRun = `555${rng.chars(DIGITS, 4)}`;
      digitRuns.add(digitRun);
      const lastName = `${surname} ${canary}`;
      const plan: SimPlan = account.plan;
      const pmi = createRng(`${seedKey}/pmi`).int(2_000_000_000, 9_999_999_999);
      profiles.push({
        user: {
          accountId,
          userId,
          email: `${firstName.toLowerCase()}.${surname.toLowerCase()}.${canary}@example.com`,
          plan,
          admin: spec.admin ?? false,
          phone: spec.phone ?? true,
          pmi,
          canaries: [canary, digitRun],
        },
        accountIndex,
        seedKey,
        size: resolveSize(spec.dataset),
        firstName,
        lastName,
        displayName: `${firstName} ${lastName}`,
        timezone: rng.pick(TIMEZONES),
        canary,
        digitRun,
        pmi,
      });
    });
  });
  return profiles;
}
