"""A client for the callvault daemon's IPC API, in Python 3 with the standard library only.

The API is JSON-RPC 2.0, one JSON message per line, over a unix socket (docs/ipc.md, and the
OpenRPC contract printed by `callvault api schema`). Unix sockets only: on Windows the daemon
listens on a named pipe, which the standard library does not open.

    from callvault_client import Client, daemon_endpoint
    with Client.connect(*daemon_endpoint()) as client:
        page = client.call("meetings.list", {"limit": 20})
        for meeting in page["items"]:
            print(meeting["startTime"], meeting["topic"])
"""

import collections
import json
import os
import socket
import sys

PROTOCOL = 2


class CallvaultError(Exception):
    """An error answer: `code` is the closed set (WIPED, EXPIRED, BUSY...), `limit` the limit reached, if any."""

    def __init__(self, error):
        data = error.get("data") or {}
        self.code = data.get("code", "INTERNAL")
        self.rpc_code = error.get("code")
        self.limit = data.get("limit")
        super().__init__(f"{self.code}: {error.get('message', '')}")


def runtime_folder(env=os.environ):
    """Where the daemon puts its socket and token file, found as the daemon finds it."""
    if env.get("CALLVAULT_HOME"):
        return os.path.join(env["CALLVAULT_HOME"], "run")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Application Support", "callvault", "run")
    if env.get("XDG_RUNTIME_DIR"):
        return os.path.join(env["XDG_RUNTIME_DIR"], "callvault")
    return f"/tmp/callvault-{os.getuid()}"


def daemon_endpoint(env=os.environ):
    """(socket path, token file) of this user's daemon."""
    folder = runtime_folder(env)
    return os.path.join(folder, "ipc.sock"), os.path.join(folder, "ipc.token")


class Client:
    """One connection: requests in order, one at a time; events are kept until asked for."""

    def __init__(self, sock):
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._next_id = 1
        self._events = collections.deque()
        self.daemon = None

    @classmethod
    def connect(cls, socket_path, token_file, timeout=30.0):
        """Dials and says hello. The token changes at every daemon start, so it is read each time."""
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(socket_path)
        client = cls(sock)
        try:
            client.daemon = client.call("hello", {"token": token, "protocol": PROTOCOL})
        except Exception:
            client.close()
            raise
        return client

    def call(self, method, params=None):
        """The method's result; raises CallvaultError for an error answer."""
        request_id = self._next_id
        self._next_id += 1
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        self._sock.sendall(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")
        while True:
            reply = self._read()
            if "method" in reply and "id" not in reply:
                self._events.append((reply["method"], reply.get("params")))
            elif reply.get("id") in (request_id, None):
                # id null: an answer to no request (the daemon closing the connection says why).
                if "error" in reply:
                    raise CallvaultError(reply["error"])
                return reply["result"]

    def subscribe(self, topics):
        """From now on the daemon sends these topics' events (it replaces the set)."""
        return self.call("subscribe", {"topics": list(topics)})["topics"]

    def next_event(self):
        """(topic, event): one kept while waiting for an answer, or the next to arrive."""
        if self._events:
            return self._events.popleft()
        while True:
            message = self._read()
            if "method" in message and "id" not in message:
                return message["method"], message.get("params")

    def pages(self, method, params=None):
        """Every page of a list or a search, following nextCursor."""
        params = dict(params or {})
        while True:
            page = self.call(method, params)
            yield page
            if page.get("nextCursor") is None:
                return
            params["cursor"] = page["nextCursor"]

    def _read(self):
        line = self._reader.readline()
        if not line:
            raise ConnectionError("the daemon closed the connection")
        return json.loads(line)

    def close(self):
        self._reader.close()
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
