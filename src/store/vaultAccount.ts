import type { Db } from './sqlite.js';
import type { StoredTokens, VaultIdentity } from './vaultTypes.js';

/** The account's Zoom tokens and who the account is at Zoom: one row each. */
export class AccountRows {
  private readonly getTokensStmt;
  private readonly saveTokensStmt;
  private readonly clearTokensStmt;
  private readonly getIdentityStmt;
  private readonly saveIdentityStmt;

  constructor(db: Db) {
    this.getTokensStmt = db.prepare<[], StoredTokens>(`
      SELECT access_token AS accessToken, refresh_token AS refreshToken, expires_at AS expiresAt, scope, api_url AS apiUrl, updated_at AS updatedAt
      FROM tokens WHERE id = 1`);
    // One statement, so the rotated refresh token and its access token are committed together.
    this.saveTokensStmt = db.prepare<StoredTokens>(`
      INSERT INTO tokens (id, access_token, refresh_token, expires_at, scope, api_url, updated_at)
      VALUES (1, @accessToken, @refreshToken, @expiresAt, @scope, @apiUrl, @updatedAt)
      ON CONFLICT (id) DO UPDATE SET
        access_token = excluded.access_token, refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
        scope = excluded.scope, api_url = excluded.api_url, updated_at = excluded.updated_at`);
    this.clearTokensStmt = db.prepare('DELETE FROM tokens');
    this.getIdentityStmt = db.prepare<[], VaultIdentity>(`
      SELECT zoom_user_id AS zoomUserId, zoom_account_id AS zoomAccountId, email, display_name AS displayName FROM identity WHERE id = 1`);
    this.saveIdentityStmt = db.prepare<VaultIdentity>(`
      INSERT INTO identity (id, zoom_user_id, zoom_account_id, email, display_name)
      VALUES (1, @zoomUserId, @zoomAccountId, @email, @displayName)
      ON CONFLICT (id) DO UPDATE SET
        zoom_user_id = excluded.zoom_user_id, zoom_account_id = excluded.zoom_account_id,
        email = excluded.email, display_name = excluded.display_name`);
  }

  getTokens(): StoredTokens | null {
    return this.getTokensStmt.get() ?? null;
  }

  saveTokens(tokens: StoredTokens): void {
    this.saveTokensStmt.run(tokens);
  }

  clearTokens(): void {
    this.clearTokensStmt.run();
  }

  getIdentity(): VaultIdentity | null {
    return this.getIdentityStmt.get() ?? null;
  }

  saveIdentity(identity: VaultIdentity): void {
    this.saveIdentityStmt.run(identity);
  }
}
