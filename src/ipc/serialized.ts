/**
 * A result a handler hands over already serialized, e.g. a page of rows SQLite rendered as JSON:
 * the connection sends the text as the reply's `result` without building objects only to
 * stringify them again. `T` is the result it stands for, so the handler's type still says what
 * the client receives; with result checking on (tests), the text is parsed and checked like any
 * other result. The text must be one JSON value; it is trusted, so only the daemon's own code
 * makes these.
 */
export class SerializedResult<T> {
  declare readonly of?: T;

  constructor(readonly json: string) {}
}
