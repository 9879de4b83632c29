# Copied from the shared bench folder's floor.py (the physical-floor reference of issue 10), unchanged
# but for these two lines: bench_e2e.py runs it; the project never reads the shared folder at run time.
"""Physical-floor reference for the backfill job: parse N daily text digests,
land them as one Parquet dataset, build paper/topic/link-like tables in DuckDB.
No framework, no validation: the lowest cost the work itself can have here.
Usage: python floor.py SEED_TXT DAYS WORKDIR"""
import hashlib, os, random, re, shutil, sys, time
import duckdb, pyarrow as pa, pyarrow.parquet as pq

seed, days, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(seed, encoding="utf-8").read().split("\n")[2:]
lines[0] = lines[0].removeprefix("Subscribe")
pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
shutil.rmtree(work, ignore_errors=True); os.makedirs(work + "/in"); os.makedirs(work + "/lake")
rng = random.Random(7)
for d in range(days):  # each day: 290 papers, ~70% seen before (with a day-suffix to keep identity)
    body = ["Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!"]
    for i, (t, a) in enumerate(pairs):
        k = d - rng.randrange(0, 5)
        body += [("Subscribe" if i == 0 else "") + f"{t} [{k}]", a]
    open(f"{work}/in/{d:05d}.txt", "w").write("\n".join(body))
t0 = time.perf_counter()
rows = {"digest_day": [], "position": [], "title": [], "abstract": []}
nbytes = 0
for d in range(days):
    raw = open(f"{work}/in/{d:05d}.txt", encoding="utf-8").read(); nbytes += len(raw)
    ls = raw.split("\n")[2:]; ls[0] = ls[0].removeprefix("Subscribe")
    for i in range(0, len(ls) - 1, 2):
        rows["digest_day"].append(d); rows["position"].append(i // 2 + 1)
        rows["title"].append(ls[i].strip()); rows["abstract"].append(ls[i + 1].strip())
t1 = time.perf_counter()
pq.write_table(pa.table(rows), f"{work}/lake/papers.parquet", compression="zstd")
t2 = time.perf_counter()
con = duckdb.connect(f"{work}/w.duckdb")
con.execute(f"""
create table appearances as select digest_day, position, md5(lower(regexp_replace(title,'\\W+','','g'))) paper_id, title, abstract
  from read_parquet('{work}/lake/papers.parquet');
create table papers as select paper_id, any_value(title) title, any_value(abstract) abstract,
  min(digest_day) first_day, max(digest_day) last_day, count(*) n_days from appearances group by paper_id;
create table links as select paper_id, unnest(regexp_extract_all(abstract, 'https?://[^\\s{{}}]+')) url from papers;
create table topics as select paper_id, case when abstract ilike '%gaussian%' then '3d' when abstract ilike '%retriev%' then 'ir' else 'other' end topic from papers;
checkpoint;""")
t3 = time.perf_counter()
n = con.execute("select count(*) from appearances").fetchone()[0]; p = con.execute("select count(*) from papers").fetchone()[0]
print(f"days={days} MB={nbytes/1e6:.0f} rows={n} papers={p} parse_s={t1-t0:.2f} parquet_s={t2-t1:.2f} duckdb_s={t3-t2:.2f} total_s={t3-t0:.2f}")
