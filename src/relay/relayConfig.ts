import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MAX_LEASE_DAYS } from '../platform/config.js';
import { resolvePaths } from '../platform/paths.js';
import { defaultLedgerSpec, parseLedgerSpec, type LedgerSpec } from './ledgerSpec.js';
import { DEFAULT_LEASE_DAYS } from './signer.js';

// relay.json: what `callvault relay`, `callvault relay migrate` and `callvault relay report` read.

export const relayConfig = z.strictObject({
  webhookSecretToken: z.string().min(1, 'must not be empty'),
  adminToken: z.string().min(16, 'must be at least 16 characters'),
  zoomApiUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default('https://api.zoom.us'),
  leaseDays: z.number().positive().max(MAX_LEASE_DAYS).default(DEFAULT_LEASE_DAYS),
  host: z.string().min(1).default('127.0.0.1'),
  /** "sqlite:<path>" or "postgres://…"; default sqlite:<data dir>/relay.db. */
  ledger: z
    .string()
    .superRefine((text, ctx) => {
      const spec = parseLedgerSpec(text);
      if (!spec.ok) ctx.addIssue({ code: 'custom', message: spec.error });
    })
    .optional(),
  /** The relay's signing key; every instance of one relay must share it. Default <data dir>/relay-key.pem. */
  keyFile: z.string().min(1).optional(),
  /** Bearer token for GET /metrics; without it /metrics is open. */
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type RelayConfig = z.infer<typeof relayConfig>;

/** The config, or a message naming the field that is wrong. */
export function readRelayConfig(file: string): { config: RelayConfig } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code ? `cannot read ${file} (${code})` : `${file} is not JSON` };
  }
  const parsed = relayConfig.safeParse(raw);
  if (parsed.success) return { config: parsed.data };
  const issue = parsed.error.issues[0];
  if (!issue) return { problem: `${file} is invalid` };
  if (issue.code === 'unrecognized_keys') return { problem: `${file}: unknown field ${issue.keys.join(', ')}` };
  return { problem: `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

export function relayDataDir(flag: string | undefined): string {
  return flag ?? join(resolvePaths().data, 'relay');
}

export function ledgerSpecOf(config: RelayConfig, dataDir: string): LedgerSpec {
  if (config.ledger === undefined) return defaultLedgerSpec(dataDir);
  const spec = parseLedgerSpec(config.ledger);
  // The schema checked it already.
  if (!spec.ok) throw new Error(spec.error);
  return spec.value;
}

export function keyFileOf(config: RelayConfig | null, dataDir: string): string {
  return config?.keyFile ? resolve(config.keyFile) : join(dataDir, 'relay-key.pem');
}
