import type { z } from 'zod';
import { apiError, isErrorCode, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { SerializedResult } from './serialized.js';
import { METHODS, SERVER_METHODS, type Access, type HandledMethodName, type MethodDef, type ParamsOf, type ResultOf } from './protocol.js';

// The route table (Tailscale's localapi): method name -> params check -> handler -> result.
// It knows nothing of sockets or connections; connection.ts feeds it requests.

export interface CallContext {
  connectionId: number;
  method: HandledMethodName;
  access: Access;
  /** Aborted when the caller's connection closes: a handler may stop work nobody will read. */
  signal: AbortSignal;
}

type HandlerOutcome<M extends HandledMethodName> = Result<ResultOf<M> | SerializedResult<ResultOf<M>>, ApiError>;

/**
 * A handler answers at once (a plain Result: the reply goes out in the same turn, as for `status`)
 * or later (a Promise).
 */
export type Handler<M extends HandledMethodName> = (params: ParamsOf<M>, ctx: CallContext) => HandlerOutcome<M> | Promise<HandlerOutcome<M>>;

/** What the daemon implements: one handler per method of the table, typed from it. */
export type Handlers = { [M in HandledMethodName]: Handler<M> };

export interface RouterOptions {
  handlers: Handlers;
  log: Logger;
  /** Check every result against its schema (tests, development): a mismatch becomes INTERNAL. */
  validateResults?: boolean;
}

export interface Router {
  /** The definition of `name`, or a BAD_REQUEST naming it; prototype names are unknown like any other. */
  lookup(name: string): Result<MethodDef, ApiError>;
  validateParams(def: MethodDef, params: unknown): Result<unknown, ApiError>;
  /** A plain Result when the handler answered at once; never throws, never rejects. */
  call(def: MethodDef, params: unknown, ctx: Omit<CallContext, 'method' | 'access'>): Result<unknown, ApiError> | Promise<Result<unknown, ApiError>>;
}

const serverMethods: ReadonlySet<string> = new Set(SERVER_METHODS);
const MAX_NAME_IN_MESSAGE = 64;
const MAX_ISSUES = 5;
const MAX_ISSUE_CHARS = 160;

type AnyOutcome = Result<unknown, ApiError>;
type AnyHandler = (params: unknown, ctx: CallContext) => AnyOutcome | Promise<AnyOutcome>;

export function createRouter(options: RouterOptions): Router {
  const { log, validateResults = false } = options;
  const handlers = new Map<string, AnyHandler>();
  for (const name of METHODS.keys()) {
    if (serverMethods.has(name)) continue;
    const handler: unknown = options.handlers[name as HandledMethodName];
    if (typeof handler !== 'function') throw new Error(`no IPC handler for "${name}"`);
    handlers.set(name, handler as AnyHandler);
  }

  return {
    lookup(name) {
      const def = METHODS.get(name);
      if (!def) return err(apiError('BAD_REQUEST', `unknown method ${JSON.stringify(name.slice(0, MAX_NAME_IN_MESSAGE))}`));
      return ok(def);
    },

    validateParams(def, params) {
      const parsed = def.params.safeParse(params ?? {});
      if (parsed.success) return ok(parsed.data);
      return err(apiError('BAD_REQUEST', `${def.name}: ${describeIssues(parsed.error)}`));
    },

    call(def, params, ctx) {
      const handler = handlers.get(def.name);
      if (!handler) return err(apiError('BAD_REQUEST', `${def.name} is answered by the server itself`));
      const method = def.name as HandledMethodName;
      const threw = (error: unknown): AnyOutcome => {
        // The stack says where; the params may hold Zoom content and are never logged.
        log.error({ err: error, method, connectionId: ctx.connectionId }, 'IPC handler threw');
        return err(apiError('INTERNAL', 'internal error'));
      };
      const checked = (outcome: AnyOutcome): AnyOutcome => {
        if (!outcome.ok) {
          if (isErrorCode(outcome.error.code) && typeof outcome.error.message === 'string') return outcome;
          log.error({ method, connectionId: ctx.connectionId }, 'IPC handler returned an error outside the closed set');
          return err(apiError('INTERNAL', 'internal error'));
        }
        if (validateResults) {
          const value = outcome.value instanceof SerializedResult ? parseSerialized(outcome.value) : outcome.value;
          const result = def.result.safeParse(value);
          if (!result.success) {
            log.error({ method, paths: result.error.issues.map((issue) => issue.path.join('.')) }, 'IPC result does not match its schema');
            return err(apiError('INTERNAL', 'internal error'));
          }
        }
        return outcome;
      };
      let answer: AnyOutcome | Promise<AnyOutcome>;
      try {
        // Spelled out: spreading ctx (it holds an AbortSignal) cost V8 several microseconds per call.
        answer = handler(params, { connectionId: ctx.connectionId, signal: ctx.signal, method, access: def.access });
      } catch (error) {
        return threw(error);
      }
      return answer instanceof Promise ? answer.then(checked, threw) : checked(answer);
    },
  };
}

/** A serialized result that is not JSON fails its schema check like any other wrong result. */
function parseSerialized(result: SerializedResult<unknown>): unknown {
  try {
    return JSON.parse(result.json);
  } catch {
    return undefined;
  }
}

/**
 * Each issue as "path: message". Zod's messages name the expected type or bound, never the value
 * received, so nothing the caller sent (possibly Zoom content) is echoed back.
 */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => clip(`${issue.path.length > 0 ? issue.path.join('.') : 'params'}: ${issue.message}`))
    .join('; ');
}

/** An unknown key is named in its issue; a flood of them must not make a flood of an answer. */
function clip(text: string): string {
  return text.length > MAX_ISSUE_CHARS ? `${text.slice(0, MAX_ISSUE_CHARS)}…` : text;
}
