from datetime import date

from papertrend.sources.inbox import find_dumps_for_date

DAY = date(2025, 7, 1)


def touch(directory, *names):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text("x")


def test_finds_every_dump_named_for_the_day_sorted(tmp_path):
    touch(
        tmp_path,
        "2025-07-01_trending.txt",
        "2025-07-01_hf_daily_papers.json",
        "b_2025-07-01.json",
    )

    found = find_dumps_for_date(tmp_path, DAY)

    assert [p.name for p in found] == [
        "2025-07-01_hf_daily_papers.json",
        "2025-07-01_trending.txt",
        "b_2025-07-01.json",
    ]
    assert all(p.parent == tmp_path for p in found)


def test_other_days_are_not_picked_up(tmp_path):
    touch(tmp_path, "2025-07-02_trending.txt", "2025-06-01_trending.txt", "12025-07-011.txt")

    assert find_dumps_for_date(tmp_path, DAY) == []


def test_hidden_and_half_written_files_are_ignored(tmp_path):
    touch(
        tmp_path,
        ".2025-07-01_hf_daily_papers.json.abc.tmp",
        ".2025-07-01_trending.txt",
        "2025-07-01_trending.txt.tmp",
        "2025-07-01_trending.txt.part",
        "2025-07-01_trending.txt.crdownload",
        "2025-07-01_trending.txt",
    )

    assert [p.name for p in find_dumps_for_date(tmp_path, DAY)] == ["2025-07-01_trending.txt"]


def test_directories_and_subfolders_are_not_dumps(tmp_path):
    (tmp_path / "2025-07-01").mkdir()
    touch(tmp_path / "archive", "2025-07-01_trending.txt")

    assert find_dumps_for_date(tmp_path, DAY) == []


def test_a_missing_inbox_means_nothing_arrived(tmp_path):
    assert find_dumps_for_date(tmp_path / "inbox", DAY) == []
