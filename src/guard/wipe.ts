import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { KeyCustody } from '../core/custody.js';
import { canonicalJson, signReceipt, type EraseMethod, type ReceiptBody, type SignedReceipt, type WipeReason } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import type { ControlDb, Wipe } from '../store/index.js';
import { allGone, unlinkKeepingOpen } from './shred.js';
import type { VaultKeys } from './vaultKeys.js';

/**
 * The steps of a wipe, in order (DESIGN.md, invariant 2). Each is journaled when done, so a wipe
 * interrupted at any point — a crash, a SIGKILL, a power cut — is finished at the next start
 * before anything is served.
 */
export const WIPE_STEPS = [
  'intent',
  'reads-blocked',
  'sync-stopped',
  'closed',
  'key-destroyed',
  'device-key-rotated',
  'files-unlinked',
  'overwritten',
  'verified',
  'receipt',
] as const;
export type WipeStep = (typeof WIPE_STEPS)[number];

/** What the wipe needs from the daemon's live accounts. Each call is harmless when repeated. */
export interface LiveAccounts {
  /** From now on reads of the account answer WIPED. */
  blockReads(accountKey: string): void;
  /** Cancels the account's sync and waits until it has stopped. */
  stopSync(accountKey: string): Promise<void>;
  /** Closes the vault (and forgets its tokens); afterwards nothing holds its files open. */
  closeVault(accountKey: string): void;
  /** The vault's database file and its -wal, -shm and -journal companions. */
  vaultFiles(accountKey: string): string[];
}

export interface WiperOptions {
  control: ControlDb;
  live: LiveAccounts;
  /** The vaults' data keys: a wipe destroys the account's, then replaces the device key. */
  keys: VaultKeys;
  clock: Clock;
  log: Logger;
  /** The app's data, log and runtime folders: after a wipe no file in them may name the account. */
  scanFolders: string[];
}

export interface WipeRequestInput {
  accountKey: string;
  reason: WipeReason;
  commandId?: string | null;
}

export type WipeError =
  | { kind: 'unknown-account' }
  /** The files could not all be removed; the wipe stays journaled and is retried. */
  | { kind: 'not-verified'; remaining: number };

interface RemovedFiles {
  files: number;
  bytes: number;
}

/** What the key steps did, for the receipt: journaled with the key's destruction. */
interface Erasure {
  /** The account had a data key, now destroyed. */
  hadKey: boolean;
  keyCustody: KeyCustody | null;
  /** The device key that wrapped it was replaced (and destroyed) afterwards. */
  rotated: boolean;
}

const removedKey = (wipeId: string): string => `wipe-removed:${wipeId}`;
const erasureKey = (wipeId: string): string => `wipe-erasure:${wipeId}`;

/** Carries out wipes: journaled, resumable, verified, with exactly one signed receipt each. */
export class Wiper {
  /** One wipe per account at a time; a second request joins the first. */
  private readonly inFlight = new Map<string, Promise<Result<SignedReceipt, WipeError>>>();

  constructor(private readonly o: WiperOptions) {}

  /** Starts (or joins) the wipe of one account and resolves with its receipt. */
  wipe(request: WipeRequestInput): Promise<Result<SignedReceipt, WipeError>> {
    const running = this.inFlight.get(request.accountKey);
    if (running) return running;
    const journaled = this.journal(request);
    if (!journaled.ok) return Promise.resolve(journaled);
    return this.track(journaled.value);
  }

  /** Finishes every journaled wipe that did not finish: at start, before the IPC socket exists. */
  async resumeUnfinished(): Promise<Array<Result<SignedReceipt, WipeError>>> {
    const results: Array<Result<SignedReceipt, WipeError>> = [];
    for (const wipe of this.o.control.wipes.unfinished()) {
      results.push(await (this.inFlight.get(wipe.accountKey) ?? this.track(wipe)));
    }
    return results;
  }

  /** True while an account has a wipe journaled and not finished: nothing may be served for it. */
  isPending(accountKey: string): boolean {
    return this.inFlight.has(accountKey) || this.o.control.wipes.unfinished().some((w) => w.accountKey === accountKey);
  }

  private journal(request: WipeRequestInput): Result<Wipe, WipeError> {
    const account = this.o.control.accounts.get(request.accountKey);
    if (!account) return err({ kind: 'unknown-account' });
    const existing = request.commandId ? this.o.control.wipes.byCommand(request.commandId) : null;
    if (existing) return ok(existing);
    const pending = this.o.control.wipes.unfinished().find((w) => w.accountKey === request.accountKey);
    if (pending) return ok(pending);
    const now = this.o.clock.now();
    const begun = this.o.control.transaction(() => {
      const wipe = this.o.control.wipes.begin({ id: newId(), accountKey: request.accountKey, reason: request.reason, commandId: request.commandId ?? null, requestedAt: now });
      this.o.control.accounts.setState(request.accountKey, 'wiping', now);
      return wipe;
    });
    // begin only fails on a duplicate id or command, which the lookups above rule out.
    if (!begun.ok) throw new Error(`wipe journal refused a new intent: ${begun.error.message}`);
    this.o.log.info({ account: request.accountKey, wipe: begun.value.id, reason: request.reason }, 'wipe started');
    return ok(begun.value);
  }

  private track(wipe: Wipe): Promise<Result<SignedReceipt, WipeError>> {
    const running = this.carryOut(wipe).finally(() => this.inFlight.delete(wipe.accountKey));
    this.inFlight.set(wipe.accountKey, running);
    return running;
  }

  private async carryOut(wipe: Wipe): Promise<Result<SignedReceipt, WipeError>> {
    const { control, live } = this.o;
    const done = (step: WipeStep): void => void control.wipes.step(wipe.id, step, this.o.clock.now());
    // Steps that a resumed wipe does again whatever the journal says: journaled without waiting for
    // the disk, so that the data key is destroyed a few milliseconds after the intent.
    const doneInMemory = (step: WipeStep): void => control.lightly(() => done(step));

    live.blockReads(wipe.accountKey);
    doneInMemory('reads-blocked');
    await live.stopSync(wipe.accountKey);
    doneInMemory('sync-stopped');
    live.closeVault(wipe.accountKey);
    doneInMemory('closed');

    const erasure = await this.destroyKeys(wipe, done, doneInMemory);

    const files = live.vaultFiles(wipe.accountKey);
    // Counted and journaled before anything is removed: a pass resumed after a crash finds some
    // files gone already, and the receipt must still report what the wipe removed.
    const total = this.plannedRemoval(wipe.id, files);
    const unlinked = unlinkKeepingOpen(files);
    done('files-unlinked');
    unlinked.overwrite();
    done('overwritten');

    const remaining = files.filter((f) => !allGone([f])).length + this.filesNaming(wipe.accountKey).length;
    if (remaining > 0) {
      this.o.log.error({ account: wipe.accountKey, wipe: wipe.id, remaining }, 'wipe not verified; will retry');
      return err({ kind: 'not-verified', remaining });
    }
    done('verified');

    const receipt = this.receiptFor(wipe, total, erasure);
    this.o.log.info({ account: wipe.accountKey, wipe: wipe.id, receipt: receipt.id, files: total.files, bytes: total.bytes }, 'wipe complete');
    return ok(receipt);
  }

  /** Writes the receipt, marks the account wiped and finishes the journal entry, atomically. */
  private receiptFor(wipe: Wipe, removed: RemovedFiles, erasure: Erasure): SignedReceipt {
    const { control } = this.o;
    const existing = control.receipts.forWipe(wipe.id);
    if (existing) return { ...(JSON.parse(existing.body) as ReceiptBody), signature: existing.signature };
    const account = control.accounts.get(wipe.accountKey);
    const now = this.o.clock.now();
    const body: ReceiptBody = {
      v: 1,
      id: newId(),
      deviceId: control.device().deviceId,
      commandId: wipe.commandId,
      zoomAccountId: account?.zoomAccountId ?? '',
      zoomUserId: account?.zoomUserId ?? '',
      reason: wipe.reason as WipeReason,
      requestedAt: wipe.requestedAt,
      completedAt: now,
      filesRemoved: removed.files,
      bytesRemoved: removed.bytes,
      verified: true,
      method: eraseMethod(erasure),
      keyCustody: erasure.keyCustody,
    };
    const receipt = signReceipt(body, control.device().privateKey);
    control.transaction(() => {
      control.receipts.add({ id: body.id, wipeId: wipe.id, body: canonicalJson(body), signature: receipt.signature, createdAt: now });
      control.wipes.step(wipe.id, 'receipt', now);
      control.accounts.setState(wipe.accountKey, 'wiped', now);
      control.wipes.finish(wipe.id, now);
    });
    return receipt;
  }

  /**
   * Destroys the account's data key (the data is unreadable from here on, wherever a copy lies),
   * then replaces the device key, so that a stale copy of control.db unwraps nothing either. A pass
   * resumed after a crash reads what the first pass did from the journal.
   */
  private async destroyKeys(wipe: Wipe, done: (step: WipeStep) => void, doneInMemory: (step: WipeStep) => void): Promise<Erasure> {
    const { control, keys } = this.o;
    const journaled = (): Erasure | null => {
      const stored = control.getMeta(erasureKey(wipe.id));
      return stored ? (JSON.parse(stored) as Erasure) : null;
    };
    let erasure = journaled();
    if (!erasure) {
      const keyCustody = keys.status().custody;
      // One commit: the key gone, what the receipt will say about it, and the step.
      keys.destroy(wipe.accountKey, (hadKey) => {
        control.setMeta(erasureKey(wipe.id), JSON.stringify({ hadKey, keyCustody: hadKey ? keyCustody : null, rotated: false } satisfies Erasure));
        done('key-destroyed');
      });
      erasure = journaled()!;
    }
    if (erasure.hadKey && !erasure.rotated) {
      const rotated = await keys.rotate();
      if (!rotated.ok) this.o.log.warn({ account: wipe.accountKey, wipe: wipe.id, failure: rotated.error.kind }, 'device key not replaced; the receipt says overwrite only');
      erasure = { ...erasure, rotated: rotated.ok };
      // Lost at a power cut, the rotation is only done once more.
      const record = JSON.stringify(erasure);
      control.lightly(() => control.setMeta(erasureKey(wipe.id), record));
    }
    doneInMemory('device-key-rotated');
    return erasure;
  }

  private plannedRemoval(wipeId: string, files: readonly string[]): RemovedFiles {
    const stored = this.o.control.getMeta(removedKey(wipeId));
    if (stored) return JSON.parse(stored) as RemovedFiles;
    const sizes = files.filter((file) => existsSync(file)).map((file) => statSync(file).size);
    const total = { files: sizes.length, bytes: sizes.reduce((sum, size) => sum + size, 0) };
    this.o.control.setMeta(removedKey(wipeId), JSON.stringify(total));
    return total;
  }

  /** Files under the app's folders whose names carry the account key (a vault, a stray copy). */
  private filesNaming(accountKey: string): string[] {
    const found: string[] = [];
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.includes(accountKey)) found.push(path);
      }
    };
    for (const folder of this.o.scanFolders) walk(folder);
    return found;
  }
}

function eraseMethod(erasure: Erasure): EraseMethod {
  return erasure.hadKey && erasure.rotated ? 'crypto-erase+overwrite' : 'overwrite';
}
