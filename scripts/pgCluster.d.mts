export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface PgCluster {
  port: number;
  url(database: string): string;
  /** A fresh, empty database. */
  createDatabase(): Promise<TestDatabase>;
  /** Stops the server (fast shutdown: sessions are cut, as in a restart). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function startPgCluster(settings?: Record<string, string | number>): Promise<PgCluster>;
