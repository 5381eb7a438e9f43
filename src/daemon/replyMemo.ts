import { SerializedResult } from '../ipc/serialized.js';

/**
 * A reply kept as JSON text and rebuilt only when one of its inputs changed. `inputs` gives values
 * compared with `===` that together move whenever anything the reply shows may have changed: the
 * values themselves, or counters of their changes (handlers.ts gives `status` counters). `build`
 * makes the reply.
 *
 * For `status`, which viewers ask for all the time (the tray polls it, scripts loop on it): what it
 * shows changes a few times a minute, and building and serializing it each time cost more than the
 * IPC round trip around it.
 */
export function replyMemo<T>(inputs: () => readonly unknown[], build: () => T): () => SerializedResult<T> {
  let seen: readonly unknown[] = [];
  let reply: SerializedResult<T> | null = null;
  return () => {
    const now = inputs();
    if (reply === null || !sameValues(now, seen)) {
      reply = new SerializedResult<T>(JSON.stringify(build()));
      seen = now;
    }
    return reply;
  };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
