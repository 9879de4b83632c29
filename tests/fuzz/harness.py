"""Fuzzing `papertrend ingest`: seeded mutations of the bundled samples, run
through the real command line on a temporary data root, every outcome checked.

    .venv/bin/python -m tests.fuzz.harness [--cases N] [--seed S] [--batch B]

prints the figures (of N fuzzed dumps: how many were rejected cleanly, how many
landed, how many crashed, how many broke a promise) and every broken promise.
``tests/integration/test_fuzz.py`` runs the same thing in the suite and
``make fuzz`` runs a larger one.

Each case is one file in its own folder (``cases/c00042/<name>``), so its odd
file name never collides and its ledger row is found by path. Each case gets
its own digest day (named in the file, and in the `date` field of flat JSON),
so a landing or a rejection can be checked against exactly one partition.
The cases run in batches, one `papertrend ingest` per batch; a batch that
crashes is re-run one case per invocation to tell which case crashed.

What is checked for every case (:func:`check_batch`):

- the command exits 0 (all accepted) or 1 (some rejected), never with a traceback;
- every case has exactly one ledger row for the run;
- a rejected case is named in the output with a `[rule]`, its raw bytes are
  in its quarantine folder beside a `reason.json` listing the rules;
- a landed case's partition holds its checksum, its row count, and titles and
  abstracts without control characters; a Hugging Face API dump lands as `hf_api`;
- no partition changes that no landed case of the batch accounts for.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = PROJECT_ROOT / "samples" / "digests"
TEXT_SAMPLE = SAMPLES_DIR / "2025-07-01_trending.txt"
HF_API_SAMPLE = SAMPLES_DIR / "2025-07-02_hf_daily_papers.json"
FLAT_JSON_SAMPLE = SAMPLES_DIR / "2025-07-03_mirror_export.json"

# Case days run from here, one per case; the samples' own days come after.
FIRST_CASE_DAY = date(2020, 1, 1)
CASE_DAYS = 2000  # 2020-01-01 .. 2025-06-22; larger runs wrap around

# Characters that must never reach a landed title or abstract.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Case:
    number: int
    kind: str  # which mutation, e.g. "text:truncate_bytes"
    name: str
    raw: bytes
    day: date  # the day the case is meant for (its file name and date field)
    base: str  # text / hf_api / flat_json: the sample it was made from
    path: Path | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


# --------------------------------------------------------------------------- generation

HUGE = "__FUZZ_HUGE__"
DEEP = "__FUZZ_DEEP__"
RAW_LITERALS = {
    "huge_int": lambda rng: "9" * rng.choice([30, 400, 5000, 100_000]),
    "huge_negative": lambda rng: "-" + "9" * rng.choice([30, 5000]),
    "huge_float": lambda rng: rng.choice(["1e400", "-1e400", "1.5e308", "NaN", "Infinity"]),
    "deep_list": lambda rng: "[" * (n := rng.choice([50, 2_000, 100_000])) + "]" * n,
    "deep_object": lambda rng: '{"a":' * (n := rng.choice([50, 2_000, 100_000])) + "1" + "}" * n,
}

ODD_VALUES = [
    None, 0, -1, 1.5, True, [], {}, "", " ", [None], {"name": None}, "x" * 100_000,
    "2025-07-03garbage", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
    "0001-01-01", "9999-12-31", "not a date", 20250703, "\x1b[31mred\x1b[0m", "\u202etxt.exe",
]

CONTROL_INSERTS = ["\x1b", "\x07", "\x7f", "\x85", "\x9b", "\x08", "\x0c", "\x1b[2J", "\x00"]

ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig"]


def generate_cases(count: int, seed: int) -> list[Case]:
    """``count`` mutated dumps, the same ones for the same seed."""
    rng = random.Random(seed)
    text = TEXT_SAMPLE.read_text(encoding="utf-8")
    hf = json.loads(HF_API_SAMPLE.read_text(encoding="utf-8"))
    flat = json.loads(FLAT_JSON_SAMPLE.read_text(encoding="utf-8"))
    makers = [
        (3, lambda n, day: _text_case(rng, n, day, text)),
        (3, lambda n, day: _json_case(rng, n, day, "hf_api", hf)),
        (3, lambda n, day: _json_case(rng, n, day, "flat_json", flat)),
        (1, lambda n, day: _name_case(rng, n, day, text, flat)),
    ]
    weights = [w for w, _ in makers]
    cases = []
    for number in range(count):
        day = FIRST_CASE_DAY + timedelta(days=number % CASE_DAYS)
        (_, make), = rng.choices(makers, weights=weights)
        cases.append(make(number, day))
    return cases


def _text_case(rng: random.Random, number: int, day: date, text: str) -> Case:
    mutation = rng.choice(
        ["truncate_bytes", "truncate_lines", "flip_bytes", "delete_lines", "duplicate_lines",
         "swap_lines", "control_chars", "encoding", "nul", "blank", "garbage_prefix", "none"]
    )
    raw = _mutate_bytes(rng, mutation, text)
    return Case(number, f"text:{mutation}", f"{day.isoformat()}_trending.txt", raw, day, "text")


def _json_case(rng: random.Random, number: int, day: date, base: str, payload) -> Case:
    payload = json.loads(json.dumps(payload))  # a private copy
    if base == "flat_json":
        payload["date"] = day.isoformat()
    items = payload if isinstance(payload, list) else payload["papers"]
    structural = ["odd_value", "odd_value", "raw_literal", "raw_literal", "delete_field",
                  "swap_fields", "item_wrong_type", "top_wrong_type", "duplicate_item",
                  "empty_items", "control_in_title", "none"]
    byte_level = ["truncate_bytes", "truncate_lines", "flip_bytes", "delete_lines",
                  "duplicate_lines", "swap_lines", "control_chars", "encoding", "nul"]
    if base == "flat_json":
        structural += ["date_field", "date_field"]
    mutation = rng.choice(structural + byte_level)
    literal = None
    if mutation in ("odd_value", "raw_literal", "delete_field", "swap_fields", "control_in_title"):
        item = rng.choice(items)
        target = item["paper"] if base == "hf_api" and rng.random() < 0.7 else item
        keys = list(target)
        key = rng.choice(keys)
        if mutation == "odd_value":
            target[key] = rng.choice(ODD_VALUES)
            mutation += f"({key})"
        elif mutation == "raw_literal":
            literal_kind = rng.choice(sorted(RAW_LITERALS))
            literal = RAW_LITERALS[literal_kind](rng)
            target[key] = HUGE
            mutation += f"({key}={literal_kind})"
        elif mutation == "delete_field":
            del target[key]
            mutation += f"({key})"
        elif mutation == "swap_fields":
            other = rng.choice(keys)
            target[key], target[other] = target[other], target[key]
            mutation += f"({key},{other})"
        else:
            for field_name in ("title", "summary", "abstract"):
                if isinstance(target.get(field_name), str):
                    value = target[field_name]
                    at = rng.randrange(len(value) + 1)
                    target[field_name] = value[:at] + rng.choice(CONTROL_INSERTS) + value[at:]
    elif mutation == "item_wrong_type":
        items[rng.randrange(len(items))] = rng.choice([None, 1, "paper", [], [{}], True])
    elif mutation == "top_wrong_type":
        payload = rng.choice([{"papers": items[0]}, [items], "papers", 42, None, {"paper": items}])
    elif mutation == "duplicate_item":
        items.append(json.loads(json.dumps(rng.choice(items))))
    elif mutation == "empty_items":
        items.clear()
    elif mutation == "date_field":
        payload["date"] = rng.choice(
            ["2025-07-03garbage", f"{day.isoformat()}garbage", "0001-01-01", "9999-12-31",
             "0001-01-01T00:00:00+01:00", None, 20250703, [], f"{day.isoformat()}T12:00:00"]
        )
        mutation += f"({payload['date']!r})"
    serialized = json.dumps(payload, indent=1, ensure_ascii=rng.random() < 0.5)
    if literal is not None:
        serialized = serialized.replace(json.dumps(HUGE), literal)
    if mutation.split("(")[0] in byte_level:
        raw = _mutate_bytes(rng, mutation, serialized)
    else:
        raw = serialized.encode("utf-8")
    ext = rng.choice([".json", ".json", ".txt"])
    return Case(number, f"{base}:{mutation}", f"{day.isoformat()}_{base}{ext}", raw, day, base)


def _name_case(rng: random.Random, number: int, day: date, text: str, flat) -> Case:
    """A valid dump under an odd file name."""
    iso = day.isoformat()
    mutation = rng.choice(
        ["long", "long", "spaces_parens", "two_dates", "two_same_dates", "unicode", "no_date",
         "newline", "dotdot", "hidden", "backslash", "control", "max_length"]
    )
    names = {
        "long": f"{iso}_" + "x" * rng.randrange(150, 240) + ".txt",
        "max_length": f"{iso}_" + "y" * (255 - len(iso) - 5) + ".txt",
        "spaces_parens": f"report {iso} (1).txt",
        "two_dates": f"{iso}_to_{(day + timedelta(days=1)).isoformat()}.txt",
        "two_same_dates": f"{iso}_{iso}.txt",
        "unicode": f"{iso}_résumé_φ.txt",
        "no_date": "digest.txt",
        "newline": f"{iso}\nsecond line.txt",
        "dotdot": f"{iso}..txt",
        "hidden": f".{iso}.txt",
        "backslash": f"..\\{iso}.txt",
        "control": f"{iso}\x1b[2J.txt",
    }
    return Case(number, f"name:{mutation}", names[mutation], text.encode("utf-8"), day, "text")


def _mutate_bytes(rng: random.Random, mutation: str, text: str) -> bytes:
    raw = text.encode("utf-8")
    lines = text.splitlines(keepends=True)
    if mutation == "truncate_bytes":
        return raw[: rng.randrange(len(raw))]
    if mutation == "truncate_lines":
        return "".join(lines[: rng.randrange(len(lines))]).encode("utf-8")
    if mutation == "flip_bytes":
        data = bytearray(raw)
        for _ in range(rng.choice([1, 1, 3, 20])):
            at = rng.randrange(len(data))
            data[at] ^= 1 << rng.randrange(8)
        return bytes(data)
    if mutation in ("delete_lines", "duplicate_lines", "swap_lines"):
        lines = list(lines)
        for _ in range(rng.choice([1, 1, 2, 5])):
            at = rng.randrange(len(lines))
            if mutation == "delete_lines":
                del lines[at]
            elif mutation == "duplicate_lines":
                lines.insert(at, lines[at])
            else:
                other = rng.randrange(len(lines))
                lines[at], lines[other] = lines[other], lines[at]
            if not lines:
                break
        return "".join(lines).encode("utf-8")
    if mutation == "control_chars":
        for _ in range(rng.choice([1, 3])):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(CONTROL_INSERTS) + text[at:]
        return text.encode("utf-8")
    if mutation == "encoding":
        return codecs.encode(text, rng.choice(ENCODINGS), errors="replace")
    if mutation == "nul":
        at = rng.randrange(len(raw))
        return raw[:at] + b"\x00" + raw[at:]
    if mutation == "blank":
        return rng.choice([b"", b"\n\n", b"   ", b"\xef\xbb\xbf"])
    if mutation == "garbage_prefix":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))) + raw
    return raw


# --------------------------------------------------------------------------- running


@dataclass
class Verdict:
    case: Case
    outcome: str  # rejected / landed / crashed / broken
    status: str | None = None
    problems: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass
class Run:
    verdicts: list[Verdict]
    seconds: float
    invocations: int

    def figures(self) -> Counter:
        return Counter(v.outcome for v in self.verdicts)

    def summary(self) -> str:
        counts = self.figures()
        lines = [
            f"of {len(self.verdicts)} fuzzed dumps: {counts['rejected']} rejected cleanly, "
            f"{counts['landed']} landed, {counts['crashed']} crashed, "
            f"{counts['broken']} broke a promise ({self.invocations} `papertrend ingest` "
            f"runs, {self.seconds:.0f} s)"
        ]
        rules = Counter(rule for v in self.verdicts if v.outcome == "rejected" for rule in v.rules)
        lines.append("rules: " + ", ".join(f"{rule} {n}" for rule, n in rules.most_common()))
        for verdict in self.verdicts:
            if verdict.outcome in ("crashed", "broken"):
                case = verdict.case
                lines.append(f"  {verdict.outcome} #{case.number} {case.kind} {case.name!r}:")
                lines += [f"    {problem[:300]}" for problem in verdict.problems[:4]]
        return "\n".join(lines)


def run_fuzz(cases: list[Case], workdir: Path, batch_size: int = 100, cli: Path | None = None) -> Run:
    """Run every case through `papertrend ingest` on a fresh data root under ``workdir``."""
    cli = cli or Path(sys.executable).parent / "papertrend"
    data_dir = workdir / "data"
    env = {**os.environ, "PAPERTREND_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    invocations = 0
    # The samples' three days are landed first: a lake with history, as in production.
    seed = subprocess.run(
        [str(cli), "ingest", str(TEXT_SAMPLE), str(HF_API_SAMPLE), str(FLAT_JSON_SAMPLE)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    invocations += 1
    if seed.returncode != 0:
        raise RuntimeError(f"the samples did not land:\n{seed.stdout}\n{seed.stderr}")
    for case in cases:
        folder = workdir / "cases" / f"c{case.number:05d}"
        folder.mkdir(parents=True)
        case.path = folder / case.name
        case.path.write_bytes(case.raw)

    verdicts: list[Verdict] = []

    def run(batch: list[Case]) -> None:
        nonlocal invocations
        invocations += 1
        batch_verdicts = _run_batch(cli, env, data_dir, batch)
        if len(batch) > 1 and any(v.outcome == "crashed" for v in batch_verdicts):
            # A crash stops the whole command: halve the batch until the crashing case is alone.
            middle = len(batch) // 2
            run(batch[:middle])
            run(batch[middle:])
        else:
            verdicts.extend(batch_verdicts)

    for start in range(0, len(cases), batch_size):
        run(cases[start : start + batch_size])
    return Run(verdicts, time.monotonic() - started, invocations)


def _run_batch(cli: Path, env: dict, data_dir: Path, batch: list[Case]) -> list[Verdict]:
    settings_dirs = _dirs(data_dir)
    ledger_before = set(settings_dirs["ledger"].glob("*.parquet"))
    lake_before = _lake_state(settings_dirs["lake"])
    result = subprocess.run(
        [str(cli), "ingest", *[str(case.path) for case in batch]],
        capture_output=True, env=env, timeout=1800,
    )
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    new_ledger = sorted(set(settings_dirs["ledger"].glob("*.parquet")) - ledger_before)
    rows = _ledger_rows(new_ledger)
    lake_after = _lake_state(settings_dirs["lake"])
    return check_batch(
        batch, result.returncode, stdout, stderr, rows, lake_before, lake_after,
        data_dir / "quarantine",
    )


def check_batch(
    batch: list[Case], returncode: int, stdout: str, stderr: str, rows: list[dict],
    lake_before: dict, lake_after: dict, quarantine_dir: Path,
) -> list[Verdict]:
    import pyarrow.parquet as pq

    crashed = returncode not in (0, 1) or "Traceback" in stdout + stderr
    by_uri: dict[str, list[dict]] = {}
    for row in rows:
        by_uri.setdefault(row["source_uri"], []).append(row)
    changed = {day for day in set(lake_before) | set(lake_after) if lake_before.get(day) != lake_after.get(day)}
    accounted: set[str] = set()
    verdicts = []
    any_rejected = False
    for case in batch:
        verdict = Verdict(case, "broken")
        verdicts.append(verdict)
        own = by_uri.get(str(case.path), [])
        if len(own) != 1:
            verdict.outcome = "crashed" if crashed else "broken"
            tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
            verdict.problems.append(f"{len(own)} ledger rows for the case (exit {returncode}): {tail}")
            continue
        row = own[0]
        verdict.status = row["status"]
        problems = verdict.problems
        if row["status"] == "rejected":
            any_rejected = True
            reason = row["reason"] or ""
            # Parser rules end a line in [brackets]; the gate's start one with "- ".
            verdict.rules = re.findall(r"\[([a-z0-9_]+)\]$", reason, re.M) + re.findall(
                r"^- ([a-z0-9_:]+) \(", reason, re.M
            )
            if not verdict.rules:
                problems.append(f"no rule named in the reason: {reason[:200]!r}")
            if str(case.path) not in stdout:
                problems.append("the file is not named in the output")
            folders = [f for f in quarantine_dir.glob(f"{case.sha256[:16]}_*") if (f / "reason.json").is_file()]
            if not folders:
                problems.append(f"no quarantine folder with a reason.json for {case.sha256[:16]}")
            else:
                documents = [json.loads((f / "reason.json").read_text()) for f in folders]
                if not any(document.get("rules") for document in documents):
                    problems.append("reason.json lists no rules")
                kept = [p.read_bytes() for f in folders for p in f.iterdir() if p.is_file()]
                if case.raw not in kept:
                    problems.append("the raw bytes are not in quarantine")
        elif row["status"] in ("landed", "replaced", "reobserved", "unchanged"):
            day = row["digest_date"].isoformat() if row["digest_date"] else None
            if row["status"] != "unchanged":
                accounted.add(day)
            part = lake_after.get(day)
            landed_file = f"{row['source_format']}.parquet"
            if part is None or landed_file not in part["files"]:
                problems.append(f"status {row['status']} but no {landed_file} in the partition for {day}")
            else:
                table = pq.read_table(part["folder"] / landed_file)
                shas = set(table.column("source_sha256").to_pylist())
                if row["status"] != "unchanged" and shas != {case.sha256}:
                    problems.append(f"partition {day} does not hold the case's checksum")
                if table.num_rows != row["row_count"]:
                    problems.append(f"ledger says {row['row_count']} rows, partition has {table.num_rows}")
                for column in ("title", "abstract"):
                    dirty = [v for v in table.column(column).to_pylist() if CONTROL_CHARS.search(v)]
                    if dirty:
                        problems.append(f"control characters landed in {column}: {dirty[0][:80]!r}")
                if case.base == "hf_api" and set(table.column("source_format").to_pylist()) != {"hf_api"}:
                    problems.append("a Hugging Face API dump landed as " + ", ".join(
                        sorted(set(table.column("source_format").to_pylist()))))
        else:
            problems.append(f"unknown status {row['status']!r}")
        if crashed:
            verdict.outcome = "crashed"
            problems.append("the batch crashed: " + (stderr.strip().splitlines() or [""])[-1])
        elif problems:
            verdict.outcome = "broken"
        else:
            verdict.outcome = "rejected" if row["status"] == "rejected" else "landed"
    unaccounted = changed - accounted
    if unaccounted:
        for verdict in verdicts:
            if verdict.outcome not in ("crashed",) and verdict.case.day.isoformat() in unaccounted:
                verdict.outcome = "broken"
                verdict.problems.append(f"partition {verdict.case.day} changed without a landing")
        leftover = unaccounted - {v.case.day.isoformat() for v in verdicts}
        if leftover and verdicts:
            verdicts[0].outcome = "broken"
            verdicts[0].problems.append(f"partitions changed without a landing: {sorted(leftover)}")
    if not crashed and returncode != (1 if any_rejected else 0):
        for verdict in verdicts:
            verdict.outcome = "broken"
            verdict.problems.append(f"exit status {returncode} with rejected={any_rejected}")
    return verdicts


def _dirs(data_dir: Path) -> dict[str, Path]:
    return {
        "lake": data_dir / "lake" / "digest_entries",
        "ledger": data_dir / "lake" / "ingest_ledger",
    }


def _lake_state(lake_dir: Path) -> dict[str, dict]:
    state = {}
    for part in sorted(lake_dir.glob("digest_date=*/*")):
        day = part.parent.name.removeprefix("digest_date=")
        entry = state.setdefault(day, {"folder": part.parent, "files": {}})
        entry["files"][part.name] = hashlib.sha256(part.read_bytes()).hexdigest()
    return state


def _ledger_rows(files: list[Path]) -> list[dict]:
    import pyarrow.parquet as pq

    return [row for path in files for row in pq.read_table(path).to_pylist()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    cases = generate_cases(args.cases, args.seed)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="papertrend-fuzz-"))
    try:
        run = run_fuzz(cases, workdir, batch_size=args.batch)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(run.summary())
    counts = run.figures()
    return 1 if counts["crashed"] or counts["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
