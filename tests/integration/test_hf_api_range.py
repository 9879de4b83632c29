"""History from the daily-papers API in few requests, and the API's shape checked
against the field's own client (huggingface_hub), both over loopback HTTP."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from papertrend.parsing import parse_dump
from papertrend.pipeline import dumps_between, ingest_batch
from papertrend.sources.hf_api import fetch_daily_papers, fetch_daily_papers_range, item_daily_date
from tests.conftest import HF_API_SAMPLE
from tests.integration.test_hf_api_source import FAST, hub, json_reply, paper_item  # noqa: F401 (hub: fixture)

PAPERS_PER_DAY = 3


def daily_item(day: date, number: int) -> dict:
    item = paper_item(number)
    stamp = f"{day.isoformat()}T09:{number % 60:02d}:00.000Z"
    item["publishedAt"] = stamp
    item["paper"]["submittedOnDailyAt"] = stamp
    # long enough for the gate's abstract rule (50 characters or more)
    item["summary"] = item["paper"]["summary"] = f"Paper {number} studies how trending papers are collected and landed every day."
    return item


def history(first: date, last: date) -> list[dict]:
    """PAPERS_PER_DAY papers a day, numbered across the whole history."""
    items, number, day = [], 1, first
    while day <= last:
        for _ in range(PAPERS_PER_DAY):
            items.append(daily_item(day, number))
            number += 1
        day += timedelta(days=1)
    return items


def serve_history(items: list[dict]):
    """Answers date=, month= (and week=) queries from one list, paged by p/limit."""

    def respond(query: dict[str, str], attempt: int):
        if "date" in query:
            chosen = [i for i in items if item_daily_date(i).isoformat() == query["date"]]
        elif "month" in query:
            chosen = [i for i in items if item_daily_date(i).isoformat()[:7] == query["month"]]
        else:
            return json_reply({"error": "unsupported"}, status=400)
        limit, page = int(query.get("limit", 50)), int(query.get("p", 0))
        return json_reply(chosen[page * limit : (page + 1) * limit])

    return respond


def test_a_range_takes_one_request_series_per_month_and_writes_the_daily_dumps(hub, tmp_path):
    items = history(date(2025, 6, 20), date(2025, 8, 10))
    hub.respond = serve_history(items)
    first, last = date(2025, 6, 28), date(2025, 8, 2)

    written = fetch_daily_papers_range(hub.base_url, first, last, tmp_path / "range", limit=40, **FAST)

    months = [r["month"] for r in hub.requests if r.get("p") == "0"]
    assert months == ["2025-06", "2025-07", "2025-08"]
    assert all("date" not in r for r in hub.requests)
    # July: 93 papers at 40 a page -> 3 pages; June and August 1 page each (33, 30 papers)
    assert len(hub.requests) == 5
    days = [date.fromisoformat(path.name[:10]) for path in written]
    assert days == [first + timedelta(days=n) for n in range((last - first).days + 1)]

    # Each day's dump is byte for byte what the daily fetch writes for that day.
    hub.requests.clear()
    for path in written[:3] + written[-3:]:
        day = date.fromisoformat(path.name[:10])
        daily = fetch_daily_papers(hub.base_url, day, tmp_path / "daily", **FAST)
        assert daily.name == path.name
        assert daily.read_bytes() == path.read_bytes()
        assert len(json.loads(path.read_bytes())) == PAPERS_PER_DAY


def test_a_backfill_fetches_only_the_days_the_inbox_lacks_and_lands_them(hub, data_root, dump_dir):
    items = history(date(2025, 7, 1), date(2025, 7, 5))
    hub.respond = serve_history(items)
    inbox = data_root.inbox_dir
    inbox.mkdir(parents=True)
    own = inbox / "2025-07-02_hf_daily_papers.json"
    own.write_text(json.dumps([daily_item(date(2025, 7, 2), 900 + n) for n in range(4)]))

    dumps = dumps_between(date(2025, 7, 1), date(2025, 7, 4), http_base_url=hub.base_url)

    assert [d.name for d in dumps] == [f"2025-07-0{n}_hf_daily_papers.json" for n in (1, 2, 3, 4)]
    assert json.loads(own.read_text())[0]["title"].startswith("φ-Paper 900"), "the inbox's own dump was kept"
    assert [r["month"] for r in hub.requests] == ["2025-07"]
    assert not [p for p in inbox.iterdir() if p.name.startswith(".")], "no scratch left in the inbox"

    batch = ingest_batch(dumps, None)
    assert len(batch["changed"]) == 4, batch
    assert not batch["rejected"]


def test_the_api_sample_reads_the_same_in_huggingface_hub_and_in_papertrend(hub):
    """The sample keeps the real API's shape: the field's own client parses it into the
    same papers, ids, authors, upvotes and links that papertrend lands."""
    from huggingface_hub import HfApi

    sample = json.loads(HF_API_SAMPLE.read_bytes())
    hub.respond = lambda query, attempt: json_reply(sample if query.get("date") == "2025-07-02" else [])

    infos = list(HfApi(endpoint=hub.base_url).list_daily_papers(date="2025-07-02"))
    records = parse_dump(HF_API_SAMPLE.read_bytes(), str(HF_API_SAMPLE)).records

    assert len(infos) == len(records) == len(sample) > 0
    for info, record, item in zip(infos, records, sample):
        assert info.id == record.arxiv_id
        assert info.title == record.title
        assert [author.name for author in info.authors] == record.authors
        assert info.upvotes == record.upvotes
        # huggingface_hub 2.4 reads githubRepo/projectPage only from the item's top
        # level, while daily items carry them inside `paper` (papertrend reads them there)
        assert info.github_repo in (None, record.github_repo)
        assert item["paper"].get("githubRepo") == record.github_repo
        assert info.published_at == record.published_at
        assert info.submitted_at.date() == item_daily_date(item)


@pytest.mark.parametrize("first, last", [(date(2025, 7, 3), date(2025, 7, 2))])
def test_a_reversed_range_is_refused(first, last, tmp_path):
    with pytest.raises(ValueError, match="before"):
        fetch_daily_papers_range("http://127.0.0.1:9", first, last, tmp_path)
