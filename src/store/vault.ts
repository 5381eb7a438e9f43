import type { CallRecord, MeetingDetail, MeetingRecord, ParticipantRecord, RecordingRecord, SearchHit, WindowedResource } from '../core/records.js';
import { ok, type Result } from '../core/result.js';
import { sqliteCode, type StoreError } from './errors.js';
import { KeyValue } from './keyValue.js';
import { loadMigrations, type Migration } from './migrations.js';
import type { ListQuery, Page } from './paging.js';
import { checkpointAndClose, openDatabase, type Db } from './sqlite.js';
import { AccountRows } from './vaultAccount.js';
import { HistoryReader, type JsonPage } from './vaultRead.js';
import { RetentionSweeper } from './vaultRetention.js';
import { VaultSearch, type SearchPage, type SearchableVault } from './vaultSearch.js';
import { MeetingIdIndex } from './vaultMeetingIds.js';
import { HistoryRemover } from './vaultRemove.js';
import type {
  MeetingIdSource,
  PageToSave,
  ParticipantsDue,
  PendingInstance,
  RecordingRemoval,
  RetentionCounts,
  StoredTokens,
  SyncWindow,
  VaultCounts,
  VaultIdentity,
} from './vaultTypes.js';
import { WindowStore } from './vaultWindows.js';
import { HistoryWriter } from './vaultWrite.js';

let migrations: Migration[] | undefined;
function vaultMigrations(): Migration[] {
  // Beside the compiled module: the build copies the .sql files into dist/.
  migrations ??= loadMigrations(new URL('./migrations/vault/', import.meta.url));
  return migrations;
}

export interface OpenVaultOptions {
  /** Create the file (0600, in a 0700 folder) when it does not exist; otherwise NOT_FOUND. */
  create?: boolean;
  /**
   * The vault's data key (32 bytes; the guard keeps them). null opens a plaintext file: a vault
   * written before vaults were encrypted (read once, to encrypt it), or a measurement's baseline.
   */
  key: Buffer | null;
}

/** Opens (and migrates) one account's vault: `vaults/<accountKey>.db`. */
export function openVault(file: string, options: OpenVaultOptions): Result<Vault, StoreError> {
  const db = openDatabase(file, { create: options.create ?? false, key: options.key, secureDelete: true, migrations: vaultMigrations() });
  return db.ok ? ok(new Vault(file, db.value)) : db;
}

/**
 * Everything Zoom sent for one account. Obtain one with `openVault`. Methods are synchronous
 * (SQLite through better-sqlite3-multiple-ciphers); each write is one transaction.
 */
export class Vault implements SearchableVault {
  private readonly db: Db;
  private readonly account: AccountRows;
  private readonly windows: WindowStore;
  private readonly writer: HistoryWriter;
  private readonly reader: HistoryReader;
  private readonly searcher: VaultSearch;
  private readonly meta: KeyValue;
  private readonly retention: RetentionSweeper;
  private readonly meetingIds: MeetingIdIndex;
  private readonly remover: HistoryRemover;
  private readonly savePageTx: (page: PageToSave) => void;
  private readonly saveParticipantsTx: (meetingUuid: string, rows: ParticipantRecord[], syncedAt: number) => boolean;
  private readonly saveRecordingsTx: (items: RecordingRecord[], at: number) => void;
  private readonly saveInstancesTx: (meetingId: string, instances: PendingInstance[], at: number) => number;
  private readonly saveMeetingTx: (record: MeetingRecord, at: number, fromEvent: boolean) => void;

  constructor(
    readonly file: string,
    db: Db,
  ) {
    this.db = db;
    this.account = new AccountRows(db);
    this.windows = new WindowStore(db);
    this.writer = new HistoryWriter(db);
    this.reader = new HistoryReader(db);
    this.searcher = new VaultSearch(db);
    this.meta = new KeyValue(db);
    this.retention = new RetentionSweeper(db, this.meta);
    this.meetingIds = new MeetingIdIndex(db);
    this.remover = new HistoryRemover(db);
    // A recording names its meeting: the meeting's ID is learned, and the instance awaits its
    // details, in the transaction that stores the recording.
    this.saveRecordingsTx = db.transaction((items: RecordingRecord[], at: number) => {
      this.writer.recordings(items, at);
      for (const r of items) {
        this.meetingIds.remember(r.meetingId, 'recording', at, null);
        this.meetingIds.addPending({ uuid: r.meetingUuid, meetingId: r.meetingId, startTime: r.startTime }, at);
      }
    });
    this.savePageTx = db.transaction((page: PageToSave) => {
      if (page.resource === 'recordings') this.saveRecordingsTx(page.items, page.fetchedAt);
      else this.writer.calls(page.items, page.fetchedAt);
      this.windows.recordPage(page.resource, page.window, page.next, page.items.length, page.fetchedAt);
    });
    this.saveInstancesTx = db.transaction((meetingId: string, instances: PendingInstance[], at: number) => {
      let added = 0;
      for (const instance of instances) {
        if (this.meetingIds.knows(instance.uuid)) continue;
        this.meetingIds.addPending(instance, at);
        added++;
      }
      this.meetingIds.markListed(meetingId, at);
      return added;
    });
    this.saveMeetingTx = db.transaction((record: MeetingRecord, at: number, fromEvent: boolean) => {
      this.writer.meetings([record]);
      // Zoom's event named this instance itself: its ID needs no listing for it.
      if (fromEvent) this.meetingIds.remember(record.meetingId, 'event', at, at);
      this.meetingIds.drop(record.uuid);
    });
    this.saveParticipantsTx = db.transaction((meetingUuid: string, rows: ParticipantRecord[], syncedAt: number) =>
      this.writer.participants(meetingUuid, rows, syncedAt),
    );
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  getTokens(): StoredTokens | null {
    return this.account.getTokens();
  }

  /** Both tokens in one transaction, durable (synchronous=FULL) before this returns. */
  saveTokens(tokens: StoredTokens): void {
    this.account.saveTokens(tokens);
  }

  clearTokens(): void {
    this.account.clearTokens();
  }

  getIdentity(): VaultIdentity | null {
    return this.account.getIdentity();
  }

  saveIdentity(identity: VaultIdentity): void {
    this.account.saveIdentity(identity);
  }

  getWindow(resource: WindowedResource, start: number): SyncWindow | null {
    return this.windows.get(resource, start);
  }

  listWindows(resource?: WindowedResource): SyncWindow[] {
    return this.windows.list(resource);
  }

  /**
   * Stores one fetched page together with the window's progress (the next page token, its issue
   * time, the counters) in one transaction: after a crash the sync resumes from the stored token
   * and never skips the rows of a page it did not store. A recordings page also teaches the
   * recordings' meeting IDs and instances.
   */
  savePage(page: PageToSave): void {
    this.savePageTx(page);
  }

  /** Returns false when no page of the window was ever stored. */
  completeWindow(resource: WindowedResource, start: number, completedAt: number): boolean {
    return this.windows.complete(resource, start, completedAt);
  }

  /** Forgets the window's page token (Zoom said it expired): the next pass starts at the first page. */
  restartWindow(resource: WindowedResource, start: number): boolean {
    return this.windows.restart(resource, start);
  }

  /**
   * Securely deletes the rows of `resource` starting in [from, to) that the window's current pass
   * has not listed: the pass fetched every page, so Zoom no longer has them. Returns how many went.
   */
  removeUnlisted(resource: WindowedResource, windowStart: number, range: { from: number; to: number }): number {
    return this.remover.unlisted(resource, windowStart, range);
  }

  /** A meeting ID learned from previous_meetings ('listed') or /users/me ('pmi'); known IDs stay as they are. */
  rememberMeetingId(meetingId: string, source: Extract<MeetingIdSource, 'listed' | 'pmi'>, at: number): void {
    this.meetingIds.remember(meetingId, source, at, null);
  }

  /** Meeting IDs whose ended instances are to be listed. */
  meetingIdsToList(): string[] {
    return this.meetingIds.toList();
  }

  /** When the ID's instances were last listed: null when they are to be listed, undefined for an unknown ID. */
  meetingIdListedAt(meetingId: string): number | null | undefined {
    return this.meetingIds.listedAt(meetingId);
  }

  /** Zoom shows an instance of the ID that is not known here: its instances are listed again. */
  relistMeetingId(meetingId: string): void {
    this.meetingIds.relist(meetingId);
  }

  /** Whether the meeting instance is stored, or waits for its details, or Zoom refused them. */
  knowsMeeting(uuid: string): boolean {
    return this.meetingIds.knows(uuid);
  }

  /** The ID's ended instances as Zoom listed them at `at`: the unknown ones await their details. Returns how many those are. */
  saveInstances(meetingId: string, instances: PendingInstance[], at: number): number {
    return this.saveInstancesTx(meetingId, instances, at);
  }

  /** Instances waiting for their details, newest first. */
  pendingInstances(limit: number): PendingInstance[] {
    return this.meetingIds.pending(limit);
  }

  /** One instance's details, from /past_meetings/{uuid}. */
  saveMeetingDetails(record: MeetingRecord, at: number): void {
    this.saveMeetingTx(record, at, false);
  }

  /** Zoom will not give this instance's details (older than a year, or gone): it is not asked for again. */
  markDetailsUnavailable(uuid: string, at: number): void {
    this.meetingIds.markUnavailable(uuid, at);
  }

  /** A meeting from Zoom's meeting.ended event, whose meeting ID is remembered with it. */
  saveEventMeeting(record: MeetingRecord, at: number): void {
    this.saveMeetingTx(record, at, true);
  }

  /** Recordings from Zoom's recording.completed event; their meetings are learned as from a listing. */
  saveEventRecordings(items: RecordingRecord[], at: number): void {
    this.saveRecordingsTx(items, at);
  }

  /** Calls from Zoom's call-history completed events. */
  saveEventCalls(items: CallRecord[], at: number): void {
    this.db.transaction(() => this.writer.calls(items, at))();
  }

  /** Recordings (or some of their files) deleted at Zoom, deleted here so that their text leaves the files. Returns how many recordings lost anything. */
  removeRecordings(removals: readonly RecordingRemoval[]): number {
    return this.remover.recordings(removals);
  }

  /** Calls deleted at Zoom (by call-history id, or all of them), deleted here likewise. Returns the rows removed. */
  removeCalls(ids: readonly string[] | 'all'): number {
    return this.remover.calls(ids);
  }

  /** Meetings whose participant list was neither stored nor refused by Zoom, newest first. */
  meetingsNeedingParticipants(limit: number): ParticipantsDue[] {
    return this.reader.meetingsNeedingParticipants(limit);
  }

  /**
   * Replaces the meeting's attendance with `rows` and marks it fetched, in one transaction.
   * Returns false (storing nothing) when the meeting is not in the vault.
   */
  saveParticipants(meetingUuid: string, rows: ParticipantRecord[], syncedAt: number): boolean {
    return this.saveParticipantsTx(meetingUuid, rows, syncedAt);
  }

  /** Zoom will not give this meeting's participants (plan, age): it is not asked for again. */
  markParticipantsUnavailable(meetingUuid: string, at: number): boolean {
    return this.writer.participantsUnavailable(meetingUuid, at);
  }

  listMeetings(q: ListQuery): Result<Page<MeetingRecord>, StoreError> {
    return this.reader.listMeetings(q);
  }

  getMeeting(uuid: string): MeetingDetail | null {
    return this.reader.getMeeting(uuid);
  }

  listRecordings(q: ListQuery): Result<Page<RecordingRecord>, StoreError> {
    return this.reader.listRecordings(q);
  }

  listCalls(q: ListQuery): Result<Page<CallRecord>, StoreError> {
    return this.reader.listCalls(q);
  }

  /** `listMeetings` as JSON text, each meeting tagged with `accountKey` (for IPC replies). */
  listMeetingsJson(q: ListQuery, accountKey: string): Result<JsonPage, StoreError> {
    return this.reader.listMeetingsJson(q, accountKey);
  }

  /** `listCalls` as JSON text, each call tagged with `accountKey`. */
  listCallsJson(q: ListQuery, accountKey: string): Result<JsonPage, StoreError> {
    return this.reader.listCallsJson(q, accountKey);
  }

  /** Full-text search of topics, participant names and emails, and call parties: the newest matches first. */
  search(text: string, limit: number, accountKey = ''): Result<SearchHit[], StoreError> {
    return this.searcher.newest(text, limit, accountKey);
  }

  /** A page of `search` below `after`, the index key of the last hit of the page before (null for the first page). */
  searchPage(text: string, limit: number, accountKey: string, after: string | null): Result<SearchPage, StoreError> {
    return this.searcher.page(text, limit, accountKey, after);
  }

  counts(): VaultCounts {
    return this.reader.counts();
  }

  /** Deletes history that started before `cutoff` so that its text leaves the files; remembers `now`. */
  sweepRetention(cutoff: number, now: number): RetentionCounts {
    return this.retention.sweep(cutoff, now);
  }

  lastRetentionSweep(): number | null {
    return this.retention.lastSweep();
  }

  getMeta(key: string): string | null {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  /** 'ok', or the problems SQLite found in the tables and in the search index, one per line. */
  integrityCheck(): string {
    const problems: string[] = [];
    try {
      const rows = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      problems.push(...rows.map((r) => r.integrity_check).filter((line) => line !== 'ok'));
    } catch (e) {
      // Damage bad enough stops the check itself.
      problems.push(`database: ${sqliteCode(e)}`);
    }
    try {
      // rank 1: also compare the index with its content, the text it was built from.
      this.db.exec(`INSERT INTO fts (fts, rank) VALUES ('integrity-check', 1)`);
    } catch (e) {
      problems.push(`search index: ${sqliteCode(e)}`);
    }
    return problems.length === 0 ? 'ok' : problems.join('\n');
  }

  /** Checkpoints the WAL into the file (TRUNCATE), then closes. Closing twice is harmless. */
  close(): void {
    checkpointAndClose(this.db);
  }
}
