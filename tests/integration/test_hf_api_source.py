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


def json_reply(payload: object, status: int = 200, **headers: str) -> Reply:
    headers = {"Content-Type": "application/json", **headers}
    return Reply(status, json.dumps(payload).encode(), headers)


@dataclass
class FakeHub:
    """A stand-in for huggingface.co: ``respond`` maps each request to a reply."""

    base_url: str
    respond: Callable[[dict[str, str], int], Reply] = lambda query, attempt: Reply()
    requests: list[dict[str, str]] = field(default_factory=list)

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        self.requests.append({"path": path, **query})
        if path != "/api/daily_papers":
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
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
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
