"""The IPC bench's Python rows: the example client (examples/python) against the daemon, next to
a bare line client against a Python echo server, so the cost of the daemon's envelope shows from
outside Node too. Standard library only. Run by scripts/bench/ipc-bench.mjs:

    python3 ipc_python_bench.py echo <socket>            an echo server (its own process)
    python3 ipc_python_bench.py measure <json options>   prints one JSON line of results

Like with like, so only the server differs: the echo of status carries the status request; the
echo of a page carries one of the daemon's own page answers (taken from it first, sent as bytes),
which the bare client parses as the example client parses the answer itself: the same 50
meetings. (An echo of one long string, as before, cost the client a tenth of that parse.) The
pages asked for are half first pages, half ending anywhere in the history, as in the Node rows.
Measurements alternate in short rounds (the machine is shared); a ratio is the median of the
rounds'.
"""

import json
import os
import random
import selectors
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))
from callvault_client import Client  # noqa: E402


def echo_server(path):
    """Echoes each line back on the connection it came from; one thread, like the Node echo."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    rest = {}
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            if key.fileobj is server:
                conn, _ = server.accept()
                conn.setblocking(True)
                rest[conn] = b""
                selector.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            data = conn.recv(1 << 20)
            if not data:
                selector.unregister(conn)
                rest.pop(conn, None)
                conn.close()
                continue
            buffered = rest[conn] + data
            end = buffered.rfind(b"\n")
            if end != -1:
                conn.sendall(buffered[: end + 1])
            rest[conn] = buffered[end + 1 :]


class BareLine:
    """A bare newline-JSON client: encode, send, read a line, parse."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")

    def request(self, message):
        return self.send(json.dumps(message, separators=(",", ":")).encode("utf-8"))

    def send(self, line):
        """Sends `line` (bytes, one JSON message) and returns the answer parsed."""
        self.sock.sendall(line + b"\n")
        return json.loads(self.reader.readline())

    def close(self):
        self.reader.close()
        self.sock.close()


def timed(fn, count):
    samples = []
    for n in range(count):
        started = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p50(samples):
    return statistics.median(samples)


def rounds(a, b, rounds_count, per_round, warmup):
    """a and b in alternating rounds: (median p50 of a, median p50 of b, median of the rounds' ratios)."""
    pa, pb, ratios = [], [], []
    for _ in range(rounds_count):
        timed(a, warmup)
        ra = p50(timed(a, per_round))
        timed(b, warmup)
        rb = p50(timed(b, per_round))
        pa.append(ra)
        pb.append(rb)
        ratios.append(ra / rb)
    return statistics.median(pa), statistics.median(pb), statistics.median(ratios)


def open_loop(requests, per_client, rate):
    """A thread per request function, each sending at random moments (exponential gaps, `rate` a second), one in flight."""
    latencies = []
    lock = threading.Lock()

    def worker(request):
        mine = []
        for n in range(per_client):
            time.sleep(random.expovariate(rate))
            started = time.perf_counter()
            request(n)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(request,)) for request in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return p50(latencies)


def list_to(n, span):
    """As listTo in ipc-bench.mjs: even n a first page, odd n a page ending anywhere in the history."""
    if n % 2 == 0:
        return None
    return span["start"] + int((n * 7919) % 1000 / 1000 * (span["end"] - span["start"]))


def measure(options):
    socket_path, token_file, echo_path = options["socket"], options["tokenFile"], options["echo"]
    account, span, limit = options["account"], options["span"], options["limit"]

    def list_params(n):
        to = list_to(n, span)
        return {"account": account, "limit": limit} if to is None else {"account": account, "limit": limit, "to": to}

    daemon = Client.connect(socket_path, token_file)
    echo = BareLine(echo_path)
    status_request = {"jsonrpc": "2.0", "id": 1, "method": "status", "params": {}}
    status_p50, echo_p50, status_ratio = rounds(lambda n: daemon.call("status"), lambda n: echo.request(status_request), 12, 300, 50)

    answers = [
        json.dumps({"jsonrpc": "2.0", "id": n + 1, "result": daemon.call("meetings.list", list_params(n))}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for n in range(options["echoPages"])
    ]
    list_p50, page_echo_p50, list_ratio = rounds(lambda n: daemon.call("meetings.list", list_params(n)), lambda n: echo.send(answers[n % len(answers)]), 8, 200, 30)
    daemon.close()
    echo.close()

    listers = [Client.connect(socket_path, token_file) for _ in range(options["clients"])]
    echoes = [BareLine(echo_path) for _ in range(options["clients"])]
    per_client, rate = options["perClient"], options["rate"]
    list_open, echo_open, open_ratios = [], [], []
    for _ in range(options["openRounds"]):
        list_open.append(open_loop([lambda n, c=c: c.call("meetings.list", list_params(n)) for c in listers], per_client, rate))
        echo_open.append(open_loop([lambda n, c=c: c.send(answers[n % len(answers)]) for c in echoes], per_client, rate))
        open_ratios.append(list_open[-1] / echo_open[-1])
    for client in listers + echoes:
        client.close()
    print(json.dumps({
        "statusP50": status_p50, "echoP50": echo_p50, "statusRatio": status_ratio,
        "listP50": list_p50, "pageEchoP50": page_echo_p50, "listRatio": list_ratio,
        "listOpenP50": statistics.median(list_open), "echoOpenP50": statistics.median(echo_open), "openRatio": statistics.median(open_ratios),
    }))


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo_server(sys.argv[2])
    else:
        measure(json.loads(sys.argv[2]))
