"""Fetch one day of the Hugging Face daily-papers API into a raw dump file.

The API serves ``GET {base}/api/daily_papers?date=YYYY-MM-DD&limit=N&p=K`` as a
JSON list per page. All pages of a day are combined into one JSON list and
written where the inbox expects dumps (``YYYY-MM-DD_hf_daily_papers.json``), so
an HTTP digest is landed exactly like one dropped into the inbox by hand.

Retries are urllib3's ``Retry`` on the session's adapter: exponential backoff on
connection errors, read timeouts, 429 and 5xx, honouring ``Retry-After``. A body
cut mid-transfer (the connection dropped, a chunk or ``Content-Length`` short,
a read timing out between chunks) is retried here, with the same backoff.

Bounds, so a broken or hostile server cannot hold a task or fill a disk: one
total deadline per fetch (every page, retry and redirect; a body dripped slowly
enough to dodge the per-read timeout is cut when it passes), a cap on the bytes
of the bodies (decompressed), and redirects followed only within the base URL's
origin (scheme, host and port): a redirect elsewhere is refused, it would send
the request, and what it serves, to a host nobody configured.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from papertrend.landing.files import write_bytes_atomically
from papertrend.settings import get_settings

log = logging.getLogger(__name__)

DAILY_PAPERS_PATH = "/api/daily_papers"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A server that ignores ``p`` and keeps serving full pages must not loop us forever;
# a real day has a few dozen papers.
DEFAULT_MAX_PAGES = 50
# Never sleep longer than this on a server's Retry-After, whatever it asks for.
MAX_RETRY_AFTER_SECONDS = 300
# Same-origin redirects followed per request before giving up (a loop otherwise).
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Bytes asked for per read of a body; a read returns what has arrived, so the
# deadline is checked at least once per packet, however slowly they come.
READ_CHUNK_BYTES = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
# A body that stops short: the connection dropped (IncompleteRead and friends are
# ProtocolErrors), requests' wrapper of the same, or a read timing out mid-body.
CUT_BODY_ERRORS = (ProtocolError, ReadTimeoutError, requests.exceptions.ChunkedEncodingError)


class FetchError(RuntimeError):
    """The API could not be read, or what it served breaks the contract."""

    def __init__(self, url: str, page: int, rule: str) -> None:
        super().__init__(f"{url} (page {page}): {rule}")
        self.url = url
        self.page = page
        self.rule = rule


def dump_file_name(day: date) -> str:
    return f"{day.isoformat()}_hf_daily_papers.json"


def base_url_from_connection(
    conn_type: str | None, host: str | None, port: int | None, schema: str | None
) -> str:
    """The API base URL an Airflow connection describes, its path included.

    ``AIRFLOW_CONN_PAPERTREND_HF_API=https://mirror.example/some/prefix`` parses
    into conn_type ``https``, host ``mirror.example`` and schema (Airflow's name
    for the URI path) ``some/prefix``: the API is then requested under
    ``/some/prefix/api/daily_papers``. A host typed in the UI with its scheme
    (``https://mirror.example/some/prefix``) is taken as the whole base URL.
    """
    host = (host or "").strip()
    if not host:
        raise ValueError("the connection has no host")
    if "://" in host:
        return host.rstrip("/")
    scheme = conn_type if conn_type in ("http", "https") else "https"
    netloc = f"{host}:{port}" if port else host
    path = (schema or "").strip("/")
    return f"{scheme}://{netloc}" + (f"/{path}" if path else "")


class DeadlineReached(urllib3.exceptions.HTTPError):
    """A retry would sleep past the fetch's deadline."""

    def __init__(self, pause: float) -> None:
        super().__init__(f"the next retry would wait {pause:g} s, past the deadline")
        self.pause = pause


class DeadlineRetry(Retry):
    """urllib3's ``Retry`` that gives up rather than sleep past ``deadline``
    (a ``time.monotonic()`` value), whether the wait is its backoff or a
    server's ``Retry-After``."""

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def sleep(self, response: Any = None) -> None:
        if self.deadline is not None:
            pause = None
            if self.respect_retry_after_header and response is not None:
                pause = self.get_retry_after(response)
            if pause is None:
                pause = self.get_backoff_time()
            pause = min(pause, MAX_RETRY_AFTER_SECONDS)
            if time.monotonic() + pause >= self.deadline:
                raise DeadlineReached(pause)
        super().sleep(response)


def retrying_session(
    max_retries: int, backoff_factor: float = 1.0, deadline: float | None = None
) -> requests.Session:
    """A session that retries idempotent GETs with exponential backoff.

    Sleeps are ``backoff_factor * 2**(n-1)`` seconds between attempts (the first
    retry is immediate), or what the server's ``Retry-After`` asks for on 429/503;
    never past ``deadline`` (``time.monotonic()``), when given.
    """
    retry = DeadlineRetry(
        deadline=deadline,
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        respect_retry_after_header=True,
        retry_after_max=MAX_RETRY_AFTER_SECONDS,
        # Hand back the last response so the error can name its status.
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["Accept"] = "application/json"
    return session


def fetch_daily_papers(
    base_url: str,
    day: date,
    dest_dir: Path,
    *,
    limit: int = 100,
    timeout: float | None = None,
    max_retries: int | None = None,
    backoff_factor: float = 1.0,
    max_pages: int = DEFAULT_MAX_PAGES,
    deadline_seconds: float | None = None,
    max_body_bytes: int | None = None,
    session: requests.Session | None = None,
) -> Path | None:
    """Fetch every page of ``day`` and write them as one raw dump in ``dest_dir``.

    Returns the dump path, or None when the API has no digest for the day (404 or
    an empty list). Raises ``FetchError`` when the API stays unreachable after the
    retries, answers with an error status, or serves something that is not a JSON
    list of objects, redirects to another host, passes ``deadline_seconds`` for the
    whole fetch or serves more than ``max_body_bytes``; nothing is written then.
    ``timeout`` bounds the connect and each read (seconds). The defaults come from
    the settings. A caller-supplied ``session`` is used as is: build it with
    ``retrying_session`` to keep the retries.
    """
    items = _fetch_period(
        base_url, {"date": day.isoformat()}, limit=limit, timeout=timeout,
        max_retries=max_retries, backoff_factor=backoff_factor, max_pages=max_pages,
        deadline_seconds=deadline_seconds, max_body_bytes=max_body_bytes, session=session,
    )
    if not items:
        log.info("No daily-papers digest for %s at %s", day, base_url)
        return None
    dest = _write_dump(dest_dir, day, items)
    log.info("Fetched %d papers for %s into %s", len(items), day, dest)
    return dest


def fetch_daily_papers_range(
    base_url: str,
    first_day: date,
    last_day: date,
    dest_dir: Path,
    *,
    limit: int = 100,
    timeout: float | None = None,
    max_retries: int | None = None,
    backoff_factor: float = 1.0,
    max_pages: int = DEFAULT_MAX_PAGES,
    deadline_seconds: float | None = None,
    max_body_bytes: int | None = None,
) -> list[Path]:
    """Fetch ``first_day..last_day`` a month at a time and write one dump per day.

    The API answers ``month=YYYY-MM`` (paged like a day) with every paper of the
    month: a year of history is twelve request series instead of 365. Each
    item's day is its daily-list date (:func:`item_daily_date`); the items of a
    day keep the API's order, and each day is written exactly as
    :func:`fetch_daily_papers` writes it, so the landing cannot tell the two
    apart. Days without papers get no dump. Each month is one fetch with its own
    deadline and body cap; a failure raises ``FetchError`` and the months
    already fetched stay written (a re-run rewrites the same bytes: ``unchanged``).
    """
    if last_day < first_day:
        raise ValueError(f"last_day {last_day} is before first_day {first_day}")
    written: list[Path] = []
    for month in months_between(first_day, last_day):
        items = _fetch_period(
            base_url, {"month": month}, limit=limit, timeout=timeout,
            max_retries=max_retries, backoff_factor=backoff_factor, max_pages=max_pages,
            deadline_seconds=deadline_seconds, max_body_bytes=max_body_bytes,
        )
        by_day: dict[date, list[dict[str, Any]]] = {}
        for position, item in enumerate(items):
            day = item_daily_date(item)
            if day is None:
                raise FetchError(base_url, 0, f"month {month}, item {position}: no daily date (publishedAt)")
            if first_day <= day <= last_day:
                by_day.setdefault(day, []).append(item)
        written.extend(_write_dump(dest_dir, day, day_items) for day, day_items in sorted(by_day.items()))
        log.info("Fetched %s: %d papers on %d day(s)", month, len(items), len(by_day))
    return written


def _fetch_period(
    base_url: str,
    period: dict[str, str],
    *,
    limit: int,
    timeout: float | None,
    max_retries: int | None,
    backoff_factor: float,
    max_pages: int,
    deadline_seconds: float | None,
    max_body_bytes: int | None,
    session: requests.Session | None = None,
) -> list[dict[str, Any]]:
    """Every item of one period (a day, a week or a month), within one fetch's bounds;
    the bounds left as None come from the settings."""
    settings = get_settings()
    timeout = settings.http_timeout_seconds if timeout is None else timeout
    max_retries = settings.http_max_retries if max_retries is None else max_retries
    if deadline_seconds is None:
        deadline_seconds = settings.http_deadline_seconds
    max_body_bytes = settings.http_max_body_bytes if max_body_bytes is None else max_body_bytes
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")

    deadline = time.monotonic() + deadline_seconds
    own_session = session is None
    if session is None:
        session = retrying_session(max_retries, backoff_factor, deadline)
    fetch = _Fetch(
        session=session,
        timeout=timeout,
        max_retries=max_retries,
        backoff_factor=backoff_factor,
        deadline_seconds=deadline_seconds,
        deadline=deadline,
        max_body_bytes=max_body_bytes,
    )
    try:
        return _fetch_all_pages(fetch, base_url, period, limit, max_pages)
    finally:
        if own_session:
            session.close()


def _write_dump(dest_dir: Path, day: date, items: list[dict[str, Any]]) -> Path:
    """One day's items as the inbox dump; written to a hidden .tmp name and renamed,
    so the inbox scanner never sees half a dump."""
    dest = dest_dir / dump_file_name(day)
    write_bytes_atomically(dest, (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode())
    return dest


def months_between(first_day: date, last_day: date) -> list[str]:
    """The calendar months (YYYY-MM) that ``first_day..last_day`` touches."""
    months = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def item_daily_date(item: dict[str, Any]) -> date | None:
    """The day an API item was on the daily list: its top-level ``publishedAt``
    (huggingface_hub's ``PaperInfo.submitted_at`` reads the same field), else
    ``submittedOnDailyAt``, top-level or in ``paper``. UTC date of the timestamp."""
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else {}
    for value in (item.get("publishedAt"), item.get("submittedOnDailyAt"), paper.get("submittedOnDailyAt")):
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


@dataclass
class _Fetch:
    """One day's fetch: its session and the bounds every request of it shares."""

    session: requests.Session
    timeout: float
    max_retries: int
    backoff_factor: float
    deadline_seconds: float
    deadline: float  # time.monotonic() value
    max_body_bytes: int
    body_bytes: int = 0  # read so far, over every page

    def remaining_seconds(self) -> float:
        return self.deadline - time.monotonic()


def _fetch_all_pages(
    fetch: _Fetch,
    base_url: str,
    period: dict[str, str],
    limit: int,
    max_pages: int,
) -> list[dict[str, Any]]:
    """Every page of one period: ``{"date": "YYYY-MM-DD"}``, ``{"week": "YYYY-Www"}``
    or ``{"month": "YYYY-MM"}``."""
    url = base_url.rstrip("/") + DAILY_PAPERS_PATH
    items: list[dict[str, Any]] = []
    for page in range(max_pages):
        params = {**period, "limit": limit, "p": page}
        page_items = _fetch_page(fetch, url, params, page)
        if page_items is None:
            # 404 on the first page: no digest that day. On a later page: the
            # pages ran out exactly at a page boundary.
            break
        items.extend(page_items)
        if len(page_items) < limit:
            break
    else:
        raise FetchError(
            url, max_pages, f"still full pages after {max_pages} pages; is `p` ignored?"
        )
    return items


def _fetch_page(
    fetch: _Fetch,
    url: str,
    params: dict[str, Any],
    page: int,
) -> list[dict[str, Any]] | None:
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    body = _get_body_retrying_cut_bodies(fetch, full_url, page)
    if body is None:
        return None
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise FetchError(full_url, page, f"response is not valid JSON: {exc}") from exc
    if not isinstance(parsed, list):
        raise FetchError(full_url, page, f"expected a JSON list, got {type(parsed).__name__}")
    for position, item in enumerate(parsed):
        if not isinstance(item, dict):
            raise FetchError(
                full_url, page, f"item {position} is {type(item).__name__}, expected an object"
            )
    return parsed


def _get_body_retrying_cut_bodies(fetch: _Fetch, full_url: str, page: int) -> bytes | None:
    """The body of ``full_url`` (None on 404). urllib3 retries what fails before
    the body starts; a body cut mid-transfer is retried here, with the same
    backoff and number of retries, within the fetch's deadline."""
    for retry in range(fetch.max_retries + 1):
        try:
            response = _get_following_same_origin_redirects(fetch, full_url, page)
            with response:
                if response.status_code == 404:
                    return None
                if not response.ok:
                    status = f"HTTP {response.status_code} {response.reason}"
                    raise FetchError(full_url, page, status)
                return _read_body(fetch, response, full_url, page)
        except CUT_BODY_ERRORS as exc:
            if retry == fetch.max_retries:
                raise FetchError(
                    full_url, page, f"request failed after retries: body cut mid-transfer: {exc}"
                ) from exc
            pause = min(fetch.backoff_factor * 2**retry, MAX_RETRY_AFTER_SECONDS)
            if pause >= fetch.remaining_seconds():
                _raise_deadline_passed(fetch, full_url, page, f"before retrying a cut body ({exc})")
            log.warning("%s: body cut mid-transfer (%s); retrying in %.1f s", full_url, exc, pause)
            time.sleep(pause)
    raise AssertionError("unreachable: the last retry returns or raises")


def _get_following_same_origin_redirects(
    fetch: _Fetch, full_url: str, page: int
) -> requests.Response:
    """GET with headers read and the body not yet; redirects are followed only
    while they stay on the origin (scheme, host, port) of ``full_url``."""
    origin = _origin(full_url)
    url = full_url
    for _ in range(MAX_REDIRECTS + 1):
        remaining = fetch.remaining_seconds()
        if remaining <= 0:
            _raise_deadline_passed(fetch, full_url, page, f"before requesting {url}")
        try:
            response = fetch.session.get(
                url, timeout=min(fetch.timeout, remaining), stream=True, allow_redirects=False
            )
        except DeadlineReached as exc:
            _raise_deadline_passed(fetch, full_url, page, f"before a retry ({exc})")
        except requests.RequestException as exc:
            raise FetchError(full_url, page, f"request failed after retries: {exc}") from exc
        if response.status_code not in REDIRECT_STATUSES or "location" not in response.headers:
            return response
        target = urljoin(url, response.headers["location"])
        response.close()
        if _origin(target) != origin:
            raise FetchError(
                full_url,
                page,
                f"HTTP {response.status_code} redirect to {target} refused: only redirects "
                f"within {origin[0]}://{origin[1]}:{origin[2]} are followed (if the API moved, "
                "point the connection at its new host)",
            )
        log.info("%s: HTTP %s redirect to %s (same host)", url, response.status_code, target)
        url = target
    raise FetchError(full_url, page, f"more than {MAX_REDIRECTS} redirects")


def _read_body(fetch: _Fetch, response: requests.Response, full_url: str, page: int) -> bytes:
    """Read the body a packet at a time, so the deadline and the size cap are
    enforced however slowly, and however much, the server sends."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and fetch.body_bytes + int(declared) > fetch.max_body_bytes:
        raise FetchError(full_url, page, _too_large(fetch, f"declares {int(declared):,} bytes"))
    chunks = []
    received = 0
    while True:
        if fetch.remaining_seconds() <= 0:
            when = f"reading the body ({received:,} bytes so far)"
            _raise_deadline_passed(fetch, full_url, page, when)
        # decode_content: the cap counts decompressed bytes (a gzip bomb is cut too).
        chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
        if not chunk:
            break
        received += len(chunk)
        if fetch.body_bytes + received > fetch.max_body_bytes:
            too_large = _too_large(fetch, f"sent more than {received:,} bytes")
            raise FetchError(full_url, page, too_large)
        chunks.append(chunk)
    fetch.body_bytes += received
    return b"".join(chunks)


def _too_large(fetch: _Fetch, what: str) -> str:
    return (
        f"response too large: it {what}, and a fetch may read at most "
        f"{fetch.max_body_bytes:,} bytes ({fetch.body_bytes:,} already read from earlier "
        "pages; PAPERTREND_HTTP_MAX_BODY_BYTES)"
    )


def _raise_deadline_passed(fetch: _Fetch, full_url: str, page: int, when: str) -> None:
    raise FetchError(
        full_url,
        page,
        f"deadline of {fetch.deadline_seconds:g} s for the whole fetch passed {when}; "
        "the server is too slow or drips its answer (PAPERTREND_HTTP_DEADLINE_SECONDS)",
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)
