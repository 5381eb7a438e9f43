import { readFileSync } from 'node:fs';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import { CronSchedule, isUtcZone } from './cron.js';

export const PLANS = ['free', 'pro', 'business'] as const;
export type Plan = (typeof PLANS)[number];

/**
 * Where the device key (which wraps every vault's data key) is kept. auto: the OS credential store
 * when one answers at the first start, else a 0600 file. Once a key is kept somewhere it stays
 * there until this names the other place, which moves it.
 */
export const KEY_STORE_CHOICES = ['auto', 'keyring', 'file'] as const;
export type KeyStoreChoice = (typeof KEY_STORE_CHOICES)[number];

/** Zoom requires deletion within 10 days; a lease above 9 days could outlive that after a renewal. */
export const MAX_LEASE_DAYS = 9;

function isTimeZone(value: string): boolean {
  // Without Intl for UTC, the default: its first use costs the daemon ~6 MB (see cron.ts).
  if (isUtcZone(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isFiveFieldCron(value: string): boolean {
  return value.trim().split(/\s+/).length === 5 && validateCron(value);
}

const cronExpression = z.string().refine(isFiveFieldCron, {
  message: 'not a valid five-field cron expression (minute hour day-of-month month day-of-week)',
});

const timeZone = z.string().refine(isTimeZone, { message: 'not a known IANA time zone (e.g. "Europe/Berlin")' });

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const zoomSchema = z.strictObject({
  /** The app's public (PKCE) client id from the Zoom Marketplace. */
  clientId: z.string().min(1).optional(),
  /** Where /oauth/authorize, /oauth/token and /oauth/revoke live. */
  oauthUrl: httpUrl.default('https://zoom.us'),
  /** The REST API base, without /v2. */
  apiUrl: httpUrl.default('https://api.zoom.us'),
});

const syncSchema = z
  .strictObject({
    schedule: cronExpression.default('*/15 * * * *'),
    timezone: timeZone.default('UTC'),
    /** Each scheduled run waits a random delay up to this, so devices do not all call Zoom at once. */
    jitterSeconds: z.number().int().min(0).max(3600).default(90),
    /** How far back the first sync reaches, within retentionDays; Zoom itself serves 6 months of meetings and calls. */
    historyDays: z.number().int().min(1).max(366).default(366),
  })
  .superRefine((sync, ctx) => {
    // Zod runs this even when a field above failed; those failures are reported already.
    if (!isFiveFieldCron(sync.schedule) || !isTimeZone(sync.timezone)) return;
    const schedule = new CronSchedule(sync.schedule, sync.timezone);
    try {
      if (schedule.nextAfter(Date.now()) === null) {
        ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'must run at least once a week (a sync renews the lease when no relay is configured)' });
      }
    } finally {
      schedule.dispose();
    }
  });

const leaseSchema = z.strictObject({
  days: z
    .number()
    .positive()
    .max(MAX_LEASE_DAYS, { message: `may not exceed ${MAX_LEASE_DAYS} days: Zoom requires deletion within 10 days of deauthorization` })
    .default(7),
});

const relaySchema = z.strictObject({
  url: z.url({ protocol: /^(https?|wss?)$/, message: 'must be an http(s) or ws(s) URL' }),
  /** The relay's Ed25519 public key (base64 SPKI DER), pinned: leases and wipes must verify with it. */
  publicKey: z.string().min(1),
});

export const configSchema = z.strictObject({
  zoom: zoomSchema.default(zoomSchema.parse({})),
  plan: z.enum(PLANS).default('pro'),
  sync: syncSchema.default(syncSchema.parse({})),
  retentionDays: z.number().int().min(1).max(3650).default(365),
  lease: leaseSchema.default(leaseSchema.parse({})),
  relay: relaySchema.optional(),
  keyStore: z.enum(KEY_STORE_CHOICES).default('auto'),
  tray: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).default({ level: 'info' }),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export interface ConfigError {
  file: string;
  /** Dotted path of the offending field, or '' when the file as a whole is wrong. */
  field: string;
  message: string;
}

export function formatConfigError(error: ConfigError): string {
  return error.field ? `${error.file}: ${error.field}: ${error.message}` : `${error.file}: ${error.message}`;
}

export function parseConfig(raw: unknown, file = 'config.json'): Result<Config, ConfigError> {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  if (!issue) return err({ file, field: '', message: 'invalid' });
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return err({ file, field: [...path, keys[0] ?? ''].filter(Boolean).join('.'), message: `unknown key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` });
  }
  return err({ file, field: path.join('.'), message: issue.message });
}

/** Reads config.json; a missing file means all defaults. */
export function loadConfig(file: string): Result<Config, ConfigError> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({}, file);
    return err({ file, field: '', message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err({ file, field: '', message: `is not valid JSON: ${(e as Error).message}` });
  }
  return parseConfig(raw, file);
}
