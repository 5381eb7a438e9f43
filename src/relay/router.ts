import type { IncomingMessage } from 'node:http';
import type { JsonReply } from './httpIo.js';

// Routes are data: one table of method + path pattern -> handler. Registering the same route twice
// is a bug and throws.

export interface RouteOutcome extends JsonReply {
  /** Runs after the answer is written: work the caller must not wait for. */
  after?: () => void;
}

export interface RouteRequest {
  req: IncomingMessage;
  /** The `:name` segments of the pattern, URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export type RouteHandler = (request: RouteRequest) => Promise<RouteOutcome>;

interface Route {
  key: string;
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/** `route`: the method and pattern matched ("GET /v1/compliance/:zoomAccountId/:zoomUserId"), a bounded label for metrics. */
export type RouteMatch = { handler: RouteHandler; params: Record<string, string>; route: string } | 'wrong-method' | null;

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    const segments = segmentsOf(pattern);
    const key = `${method} /${segments.join('/')}`;
    if (this.routes.some((r) => r.key === key)) throw new Error(`route registered twice: ${key}`);
    this.routes.push({ key, method, segments, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const segments = segmentsOf(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params, route: route.key };
      pathMatched = true;
    }
    return pathMatched ? 'wrong-method' : null;
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}
