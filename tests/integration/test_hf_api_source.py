"""The HTTP source against a real HTTP server on 127.0.0.1 (real sockets, real retries)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from papertrend.sources.hf_api import FetchError, fetch_daily_papers
from papertrend.sources.inbox import find_dumps_for_date

DAY = date(2025, 7, 1)
# Keep retries real but fast: urllib3 sleeps backoff_factor * 2**(n-1) seconds.
FAST = {"backoff_factor": 0.01, "timeout": 2.0, "max_retries": 3}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    # Send the body a byte at a time, this far apart (a slow drip).
    drip_seconds: float = 0.0
    # Declare the full Content-Length but send only this many bytes, then hang up.
    cut_after: int | None = None
    # Without Content-Length the body simply runs until the server closes.
    declare_length: bool = True


def json_reply(payload: object, status: int = 200, **headers: str) -> Reply:
    headers = {"Content-Type": "application/json", **headers}
    return Reply(status, json.dumps(payload).encode(), headers)


@dataclass
class FakeHub:
    """A stand-in for huggingface.co: ``respond`` maps each request to a reply."""

    base_url: str
    respond: Callable[[dict[str, str], int], Reply] = lambda query, attempt: Reply()
    requests: list[dict[str, str]] = field(default_factory=list)
    bytes_dripped: int = 0

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        self.requests.append({"path": path, **query})
        if not path.endswith("/api/daily_papers"):
            return Reply(404, b"not found")
        return self.respond(query, len(self.requests))


def paper_item(number: int) -> dict:
    """One item shaped like the API's (nested ``paper``, top-level title/summary)."""
    arxiv_id = f"2507.{number:05d}"
    title = f"φ-Paper {number}: a study"
    return {
        "paper": {
            "id": arxiv_id,
            "authors": [{"_id": f"{number:024d}", "name": "A. Author", "hidden": False}],
            "publishedAt": "2025-06-30T17:00:00.000Z",
            "title": title,
            "summary": "An abstract\nwith a hard break.",
            "upvotes": number,
        },
        "publishedAt": "2025-06-30T17:00:00.000Z",
        "title": title,
        "summary": "An abstract\nwith a hard break.",
        "numComments": 0,
        "submittedBy": {"name": "someone"},
    }


def paged(items: list[dict]) -> Callable[[dict[str, str], int], Reply]:
    def respond(query: dict[str, str], attempt: int) -> Reply:
        limit, page = int(query["limit"]), int(query["p"])
        return json_reply(items[page * limit : (page + 1) * limit])

    return respond


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    hub = FakeHub(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            reply = hub.handle(url.path, query)
            time.sleep(reply.delay_seconds)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.declare_length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
                if reply.drip_seconds:
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        hub.bytes_dripped += 1
                        time.sleep(reply.drip_seconds)
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_pages_are_fetched_until_a_short_page_and_combined_in_order(hub, tmp_path):
    items = [paper_item(n) for n in range(250)]
    hub.respond = paged(items)

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, limit=100, **FAST)

    assert dump == tmp_path / "2025-07-01_hf_daily_papers.json"
    assert [(r["date"], r["limit"], r["p"]) for r in hub.requests] == [
        ("2025-07-01", "100", "0"),
        ("2025-07-01", "100", "1"),
        ("2025-07-01", "100", "2"),
    ]
    assert json.loads(dump.read_text(encoding="utf-8")) == items


def test_a_day_that_fills_whole_pages_stops_at_the_empty_page(hub, tmp_path):
    items = [paper_item(n) for n in range(200)]
    hub.respond = paged(items)

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, limit=100, **FAST)

    assert [r["p"] for r in hub.requests] == ["0", "1", "2"]
    assert len(json.loads(dump.read_text(encoding="utf-8"))) == 200


def test_items_are_archived_exactly_as_served(hub, tmp_path):
    items = [paper_item(1)]
    hub.respond = paged(items)

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    archived = json.loads(dump.read_text(encoding="utf-8"))
    assert archived == items
    assert list(archived[0]) == list(items[0])  # key order kept
    assert "φ-Paper 1" in dump.read_text(encoding="utf-8")  # not \u-escaped


def test_a_503_is_retried_and_then_succeeds(hub, tmp_path):
    items = [paper_item(n) for n in range(3)]

    def respond(query, attempt):
        return Reply(503, b"busy") if attempt == 1 else json_reply(items)

    hub.respond = respond

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert len(hub.requests) == 2
    assert json.loads(dump.read_text(encoding="utf-8")) == items


def test_retry_after_on_429_is_respected(hub, tmp_path):
    def respond(query, attempt):
        if attempt == 1:
            return json_reply({"error": "slow down"}, status=429, **{"Retry-After": "1"})
        return json_reply([paper_item(1)])

    hub.respond = respond

    started = time.monotonic()
    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert dump is not None
    assert time.monotonic() - started >= 0.9


def test_a_server_error_that_persists_fails_after_the_retries_and_writes_nothing(hub, tmp_path):
    hub.respond = lambda query, attempt: Reply(502, b"bad gateway")

    with pytest.raises(FetchError, match="HTTP 502"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **{**FAST, "max_retries": 2})

    assert len(hub.requests) == 3  # the first try and two retries
    assert list(tmp_path.iterdir()) == []


def test_a_server_slower_than_the_timeout_fails_after_the_retries_and_writes_nothing(
    hub, tmp_path
):
    hub.respond = lambda query, attempt: Reply(200, b"[]", delay_seconds=0.5)

    started = time.monotonic()
    with pytest.raises(FetchError, match="request failed after retries") as error:
        fetch_daily_papers(
            hub.base_url, DAY, tmp_path, timeout=0.1, max_retries=1, backoff_factor=0.01
        )

    assert "date=2025-07-01" in str(error.value)
    assert len(hub.requests) == 2
    assert time.monotonic() - started < 2
    assert list(tmp_path.iterdir()) == []


def test_a_later_page_failing_lands_nothing_from_the_earlier_pages(hub, tmp_path):
    items = [paper_item(n) for n in range(150)]

    def respond(query, attempt):
        return Reply(500, b"oops") if query["p"] == "1" else paged(items)(query, attempt)

    hub.respond = respond

    with pytest.raises(FetchError, match=r"page 1\): HTTP 500"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, limit=100, **FAST)

    assert list(tmp_path.iterdir()) == []


def test_malformed_json_is_a_fetch_error_naming_the_url(hub, tmp_path):
    truncated = b'[{"title": "cut off'
    hub.respond = lambda query, attempt: Reply(200, truncated, {"Content-Type": "application/json"})

    with pytest.raises(FetchError, match="not valid JSON") as error:
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert error.value.url.startswith(f"{hub.base_url}/api/daily_papers?date=2025-07-01")
    assert error.value.page == 0
    assert len(hub.requests) == 1  # a bad body is not retried: it would come back the same
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "rule"),
    [({"papers": []}, "expected a JSON list, got dict"), (["a title"], "item 0 is str")],
)
def test_a_body_that_is_not_a_list_of_objects_is_a_fetch_error(hub, tmp_path, body, rule):
    hub.respond = lambda query, attempt: json_reply(body)

    with pytest.raises(FetchError, match=rule):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert list(tmp_path.iterdir()) == []


def test_a_404_means_no_digest_for_the_date(hub, tmp_path):
    hub.respond = lambda query, attempt: json_reply({"error": "not found"}, status=404)

    assert fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST) is None
    assert len(hub.requests) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_empty_list_means_no_digest_for_the_date(hub, tmp_path):
    hub.respond = lambda query, attempt: json_reply([])

    assert fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST) is None
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_is_a_fetch_error(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(FetchError, match="request failed after retries"):
        fetch_daily_papers(f"http://127.0.0.1:{port}", DAY, tmp_path, **{**FAST, "max_retries": 1})

    assert list(tmp_path.iterdir()) == []


def test_a_server_that_ignores_paging_is_stopped(hub, tmp_path):
    hub.respond = lambda query, attempt: json_reply([paper_item(n) for n in range(10)])

    with pytest.raises(FetchError, match="still full pages after 5 pages"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, limit=10, max_pages=5, **FAST)

    assert len(hub.requests) == 5


def test_the_dump_lands_in_the_inbox_like_any_dump_and_a_refetch_replaces_it(hub, tmp_path):
    inbox = tmp_path / "inbox"
    hub.respond = paged([paper_item(1)])
    fetch_daily_papers(hub.base_url, DAY, inbox, **FAST)
    hub.respond = paged([paper_item(1), paper_item(2)])

    dump = fetch_daily_papers(hub.base_url, DAY, inbox, **FAST)

    assert find_dumps_for_date(inbox, DAY) == [dump]
    assert [p.name for p in inbox.iterdir()] == [dump.name]  # no temp files left behind
    assert len(json.loads(dump.read_text(encoding="utf-8"))) == 2


def test_base_url_with_trailing_slash(hub, tmp_path):
    hub.respond = paged([paper_item(1)])

    assert fetch_daily_papers(hub.base_url + "/", DAY, tmp_path, **FAST) is not None
    assert hub.requests[0]["path"] == "/api/daily_papers"


def test_defaults_come_from_settings(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERTREND_HTTP_TIMEOUT_SECONDS", "0.1")
    monkeypatch.setenv("PAPERTREND_HTTP_MAX_RETRIES", "0")
    hub.respond = lambda query, attempt: Reply(200, b"[]", delay_seconds=0.5)

    with pytest.raises(FetchError):
        fetch_daily_papers(hub.base_url, DAY, tmp_path)

    assert len(hub.requests) == 1


# -- bounds: deadline, redirects, size, cut bodies, the connection's path -------------


def test_a_body_dripped_slower_than_the_deadline_is_cut_and_nothing_is_written(hub, tmp_path):
    """Each byte arrives well within the read timeout, so only a total deadline stops it."""
    body = json.dumps([paper_item(1)]).encode()
    hub.respond = lambda query, attempt: Reply(200, body, drip_seconds=0.02)

    with pytest.raises(FetchError, match="deadline of 0.5 s for the whole fetch passed") as error:
        fetch_daily_papers(hub.base_url, DAY, tmp_path, deadline_seconds=0.5, **FAST)

    assert "reading the body" in error.value.rule
    assert len(hub.requests) == 1  # a passed deadline is not retried
    assert hub.bytes_dripped < len(body), "the whole body was read"
    assert list(tmp_path.iterdir()) == []


def test_retries_stop_at_the_deadline_whatever_retry_after_asks(hub, tmp_path):
    hub.respond = lambda query, attempt: Reply(503, b"busy", {"Retry-After": "30"})

    passed = "deadline of 2 s for the whole fetch passed before a retry"
    with pytest.raises(FetchError, match=passed):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, deadline_seconds=2, **FAST)

    assert len(hub.requests) == 1  # it did not sleep 30 s for a second try
    assert list(tmp_path.iterdir()) == []


def test_the_deadline_comes_from_settings(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERTREND_HTTP_DEADLINE_SECONDS", "0.3")
    body = json.dumps([paper_item(1)]).encode()
    hub.respond = lambda query, attempt: Reply(200, body, drip_seconds=0.02)

    with pytest.raises(FetchError, match="deadline of 0.3 s"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)


def test_a_redirect_to_another_host_is_refused_with_a_clear_message(hub, tmp_path):
    # localhost is this very server under another host name: had the redirect been
    # followed, it would show up as a second request.
    other_host = hub.base_url.replace("127.0.0.1", "localhost")

    def respond(query, attempt):
        if attempt == 1:
            location = f"{other_host}/api/daily_papers?date={query['date']}&limit=100&p=0"
            return Reply(302, b"", {"Location": location})
        return json_reply([paper_item(1)])

    hub.respond = respond

    with pytest.raises(FetchError, match="redirect to http://localhost:.* refused") as error:
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert f"only redirects within {hub.base_url} are followed" in error.value.rule
    assert len(hub.requests) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_on_the_same_host_is_followed(hub, tmp_path):
    items = [paper_item(1)]

    def respond(query, attempt):
        if hub.requests[-1]["path"] == "/api/daily_papers":
            moved = "/v2/api/daily_papers?" + "&".join(f"{k}={v}" for k, v in query.items())
            return Reply(301, b"", {"Location": moved})
        return json_reply(items)

    hub.respond = respond

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert [r["path"] for r in hub.requests] == ["/api/daily_papers", "/v2/api/daily_papers"]
    assert json.loads(dump.read_text(encoding="utf-8")) == items


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "undeclared"])
def test_a_body_over_the_size_cap_is_refused_and_nothing_is_written(hub, tmp_path, declare_length):
    body = json.dumps([paper_item(n) for n in range(50)]).encode()
    hub.respond = lambda query, attempt: Reply(
        200, body, {"Content-Type": "application/json"}, declare_length=declare_length
    )

    with pytest.raises(FetchError, match="response too large") as error:
        fetch_daily_papers(hub.base_url, DAY, tmp_path, max_body_bytes=1000, **FAST)

    assert "at most 1,000 bytes" in error.value.rule
    assert len(hub.requests) == 1  # too large is not retried: it would come back the same
    assert list(tmp_path.iterdir()) == []


def test_the_size_cap_comes_from_settings_and_counts_every_page(hub, tmp_path, monkeypatch):
    items = [paper_item(n) for n in range(20)]
    page_bytes = len(json.dumps(items[:10]).encode())
    monkeypatch.setenv("PAPERTREND_HTTP_MAX_BODY_BYTES", str(page_bytes + page_bytes // 2))
    hub.respond = paged(items)

    with pytest.raises(FetchError, match=r"page 1\): response too large"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, limit=10, **FAST)

    assert list(tmp_path.iterdir()) == []


def test_a_body_cut_mid_transfer_is_retried_and_then_succeeds(hub, tmp_path):
    items = [paper_item(n) for n in range(3)]
    body = json.dumps(items).encode()
    hub.respond = lambda query, attempt: Reply(200, body, cut_after=20 if attempt == 1 else None)

    dump = fetch_daily_papers(hub.base_url, DAY, tmp_path, **FAST)

    assert len(hub.requests) == 2
    assert json.loads(dump.read_text(encoding="utf-8")) == items


def test_a_body_cut_every_time_fails_after_the_retries_and_writes_nothing(hub, tmp_path):
    body = json.dumps([paper_item(1)]).encode()
    hub.respond = lambda query, attempt: Reply(200, body, cut_after=20)

    with pytest.raises(FetchError, match="request failed after retries: body cut mid-transfer"):
        fetch_daily_papers(hub.base_url, DAY, tmp_path, **{**FAST, "max_retries": 2})

    assert len(hub.requests) == 3  # the first try and two retries
    assert list(tmp_path.iterdir()) == []


def test_a_base_url_with_a_path_is_requested_under_that_path(hub, tmp_path):
    hub.respond = paged([paper_item(1)])

    assert fetch_daily_papers(hub.base_url + "/some/prefix", DAY, tmp_path, **FAST) is not None
    assert [r["path"] for r in hub.requests] == ["/some/prefix/api/daily_papers"]


@pytest.mark.parametrize(
    ("uri", "base_url"),
    [
        ("https://huggingface.co", "https://huggingface.co"),
        ("https://mirror.example/some/prefix", "https://mirror.example/some/prefix"),
        ("http://127.0.0.1:8123/some/prefix/", "http://127.0.0.1:8123/some/prefix"),
    ],
)
def test_the_connection_s_path_is_part_of_the_base_url(uri, base_url):
    from airflow.models.connection import Connection

    from papertrend.sources.hf_api import base_url_from_connection

    conn = Connection(uri=uri)
    assert base_url_from_connection(conn.conn_type, conn.host, conn.port, conn.schema) == base_url
