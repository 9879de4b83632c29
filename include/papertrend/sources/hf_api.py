"""Fetch one day of the Hugging Face daily-papers API into a raw dump file.

The API serves ``GET {base}/api/daily_papers?date=YYYY-MM-DD&limit=N&p=K`` as a
JSON list per page. All pages of a day are combined into one JSON list and
written where the inbox expects dumps (``YYYY-MM-DD_hf_daily_papers.json``), so
an HTTP digest is landed exactly like one dropped into the inbox by hand.

Retries are urllib3's ``Retry`` on the session's adapter: exponential backoff on
connection errors, read timeouts, 429 and 5xx, honouring ``Retry-After``.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
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


class FetchError(RuntimeError):
    """The API could not be read, or what it served breaks the contract."""

    def __init__(self, url: str, page: int, rule: str) -> None:
        super().__init__(f"{url} (page {page}): {rule}")
        self.url = url
        self.page = page
        self.rule = rule


def dump_file_name(day: date) -> str:
    return f"{day.isoformat()}_hf_daily_papers.json"


def retrying_session(max_retries: int, backoff_factor: float = 1.0) -> requests.Session:
    """A session that retries idempotent GETs with exponential backoff.

    Sleeps are ``backoff_factor * 2**(n-1)`` seconds between attempts (the first
    retry is immediate), or what the server's ``Retry-After`` asks for on 429/503.
    """
    retry = Retry(
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
    session: requests.Session | None = None,
) -> Path | None:
    """Fetch every page of ``day`` and write them as one raw dump in ``dest_dir``.

    Returns the dump path, or None when the API has no digest for the day (404 or
    an empty list). Raises ``FetchError`` when the API stays unreachable after the
    retries, answers with an error status, or serves something that is not a JSON
    list of objects; nothing is written then. ``timeout`` bounds the connect and
    each read (seconds). A caller-supplied ``session`` is used as is: build it with
    ``retrying_session`` to keep the retries.
    """
    settings = get_settings()
    timeout = settings.http_timeout_seconds if timeout is None else timeout
    max_retries = settings.http_max_retries if max_retries is None else max_retries
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")

    own_session = session is None
    if session is None:
        session = retrying_session(max_retries, backoff_factor)
    try:
        items = _fetch_all_pages(session, base_url, day, limit, timeout, max_pages)
    finally:
        if own_session:
            session.close()

    if not items:
        log.info("No daily-papers digest for %s at %s", day, base_url)
        return None
    dest = dest_dir / dump_file_name(day)
    # Written to a hidden .tmp name and renamed: the inbox scanner never sees half a dump.
    write_bytes_atomically(dest, (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode())
    log.info("Fetched %d papers for %s into %s", len(items), day, dest)
    return dest


def _fetch_all_pages(
    session: requests.Session,
    base_url: str,
    day: date,
    limit: int,
    timeout: float,
    max_pages: int,
) -> list[dict[str, Any]]:
    url = base_url.rstrip("/") + DAILY_PAPERS_PATH
    items: list[dict[str, Any]] = []
    for page in range(max_pages):
        params = {"date": day.isoformat(), "limit": limit, "p": page}
        page_items = _fetch_page(session, url, params, page, timeout)
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
    session: requests.Session,
    url: str,
    params: dict[str, Any],
    page: int,
    timeout: float,
) -> list[dict[str, Any]] | None:
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    try:
        response = session.get(url, params=params, timeout=timeout)
    except requests.RequestException as exc:
        raise FetchError(full_url, page, f"request failed after retries: {exc}") from exc

    if response.status_code == 404:
        return None
    if not response.ok:
        raise FetchError(full_url, page, f"HTTP {response.status_code} {response.reason}")
    try:
        body = response.json()
    except ValueError as exc:
        raise FetchError(full_url, page, f"response is not valid JSON: {exc}") from exc
    if not isinstance(body, list):
        raise FetchError(full_url, page, f"expected a JSON list, got {type(body).__name__}")
    for position, item in enumerate(body):
        if not isinstance(item, dict):
            raise FetchError(
                full_url, page, f"item {position} is {type(item).__name__}, expected an object"
            )
    return body
