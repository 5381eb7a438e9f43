/** An endpoint of the relay, keeping any base path the relay is served under. */
export function relayEndpoint(relayUrl: string, path: string): string {
  const url = new URL(relayUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The device websocket: ws:// for http://, wss:// for https://. */
export function deviceSocketUrl(relayUrl: string): string {
  const url = new URL(relayEndpoint(relayUrl, '/v1/devices/ws'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
