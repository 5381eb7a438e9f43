import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig, parseConfig } from '../../src/platform/config.js';

function errorOf(raw: unknown): string {
  const result = parseConfig(raw);
  if (result.ok) throw new Error('expected a config error');
  return formatConfigError(result.error);
}

describe('config', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('defaults everything when the file is missing', () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    const result = loadConfig(join(dir, 'config.json'));
    expect(result.ok && result.value).toMatchObject({ plan: 'pro', retentionDays: 365, lease: { days: 7 }, sync: { schedule: '*/15 * * * *' } });
  });

  it('names the field of an unknown key, at any depth', () => {
    expect(errorOf({ bogus: 1 })).toBe('config.json: bogus: unknown key: bogus');
    expect(errorOf({ sync: { every: 5 } })).toBe('config.json: sync.every: unknown key: every');
  });

  it('names a bad cron expression, a bad time zone, a bad plan', () => {
    expect(errorOf({ sync: { schedule: '61 * * * *' } })).toMatch(/^config\.json: sync\.schedule: not a valid five-field cron/);
    expect(errorOf({ sync: { schedule: '*/5 * * * * *' } })).toMatch(/sync\.schedule/);
    expect(errorOf({ sync: { timezone: 'Mars/Olympus' } })).toMatch(/^config\.json: sync\.timezone: not a known IANA time zone/);
    expect(errorOf({ plan: 'gold' })).toMatch(/^config\.json: plan:/);
  });

  it('refuses a schedule that runs less than weekly', () => {
    expect(errorOf({ sync: { schedule: '0 0 1 1 *' } })).toMatch(/sync\.schedule: must run at least once a week/);
  });

  it('refuses a lease above 9 days, naming the field and the reason', () => {
    expect(errorOf({ lease: { days: 10 } })).toMatch(/^config\.json: lease\.days: may not exceed 9 days/);
    expect(parseConfig({ lease: { days: 9 } }).ok).toBe(true);
  });

  it('reports a file that is not JSON', () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, '{ "plan": ');
    const result = loadConfig(file);
    expect(!result.ok && formatConfigError(result.error)).toMatch(/config\.json: is not valid JSON/);
  });
});
