"""`patron serve` refuses a 51 MB body without reading it: its memory does not grow by it.

Patron issue 12, finding 3: an unauthenticated 51 MB JSON body was parsed in full before
the 401 (server memory 245 -> 573 MB for one request). Here a real server process gets
51 MB bodies, declared by Content-Length or streamed in chunks without it, and the test
reads the process's resident memory (VmRSS, and its peak VmHWM) from /proc before and
after. A server that read such a body would grow by at least its 51 MB; one that refuses
it unread grows by its 1 MiB limit at most. The client sends from one thread and reads
the answer from another, and stops sending once it has the answer: the bytes it managed
to send show that the answer came before the body. The order of the answers is
docs/api.md's ("Limits"): a declared length over the limit is 413 with or without a key;
a chunked body is 401 without a key (unread: its size is not known before it is read)
and 413 with one, as soon as it passes the limit.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from tests.conftest import ROOT, new_key
from tests.e2e.server import free_port

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").is_file(), reason="reads the server's memory from /proc"
)

BODY = 51 * 1024 * 1024
PIECE = b"x" * 65536
LIMIT = 1_048_576  # the default PATRON_MAX_BODY_BYTES
GROWTH_ALLOWED = 12 * 1024 * 1024  # the limit, twice, and room for the allocator; 51 MB ≫


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def plain(total: int) -> Iterator[bytes]:
    for _ in range(total // len(PIECE)):
        yield PIECE


def chunked(total: int) -> Iterator[bytes]:
    for piece in plain(total):
        yield b"%x\r\n%b\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def send(port: int, head: list[str], body: Iterator[bytes]) -> tuple[int, str, int]:
    """POST a body from one thread while another reads the answer: (status, code of the
    problem, bytes of the body the client managed to send)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    request = ["POST /v1/members HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    sock.sendall(("\r\n".join(request + head) + "\r\n\r\n").encode())
    sent = 0

    def pump() -> None:
        nonlocal sent
        try:
            for piece in body:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass  # the server answered and closed: the rest of the body is not wanted

    sender = threading.Thread(target=pump, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        answer = response.read().decode()
        code = answer.split('"code":"')[1].split('"')[0]
        return response.status, code, sent
    finally:
        sock.close()
        sender.join(timeout=60)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int, str]]:
    """`patron serve` (one process) over a fresh SQLite store: (pid, port, a pos key)."""
    url = f"sqlite:///{tmp_path / 'patron.db'}"
    patron = Patron.from_url(url)
    patron.migrate()
    key = new_key(patron, "pos")
    patron.dispose()
    port = free_port()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    # the documented defaults, whatever PATRON_* the shell running the tests has set
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
    env |= {"PATRON_DATABASE_URL": url, "PYTHONPATH": path}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "patron", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_health(port)
        yield process.pid, port, key
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wait_for_health(port: int) -> None:
    deadline = time.monotonic() + 180  # imports are slow on a loaded machine
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            conn.close()


def test_a_51_mb_body_is_refused_unread_declared_or_chunked(
    server: tuple[int, int, str],
) -> None:
    pid, port, key = server
    auth = [f"Authorization: Bearer {key}"]
    streamed = ["Transfer-Encoding: chunked"]

    def ask(size: int) -> dict[str, tuple[int, str, int]]:
        declared = [f"Content-Length: {size}"]
        return {
            "no key, Content-Length": send(port, declared, plain(size)),
            "a key, Content-Length": send(port, auth + declared, plain(size)),
            "a key, chunked": send(port, auth + streamed, chunked(size)),
            "no key, chunked": send(port, streamed, chunked(size)),
        }

    # given a server that has already refused each kind of request once, with 2 MiB
    # bodies (its code is loaded, its buffers allocated)
    warm = ask(2 * LIMIT)
    expected = {
        "no key, Content-Length": (413, "body_too_large"),
        "a key, Content-Length": (413, "body_too_large"),
        "a key, chunked": (413, "body_too_large"),
        "no key, chunked": (401, "unauthorized"),  # the size is not known before the key
    }
    assert {name: answer[:2] for name, answer in warm.items()} == expected
    before = memory_kib(pid)
    # when each kind sends 51 MB
    answers = ask(BODY)
    after = memory_kib(pid)
    # then the same answers, and the server's memory, at its peak too, did not grow by the
    # body ...
    assert {name: answer[:2] for name, answer in answers.items()} == expected
    assert (after["VmHWM"] - before["VmHWM"]) * 1024 < GROWTH_ALLOWED, (before, after)
    assert (after["VmRSS"] - before["VmRSS"]) * 1024 < GROWTH_ALLOWED, (before, after)
    # ... for each answer came before the client could send even half of its body
    sent = {name: answer[2] for name, answer in answers.items()}
    assert [name for name, size in sent.items() if size >= BODY // 2] == [], sent
