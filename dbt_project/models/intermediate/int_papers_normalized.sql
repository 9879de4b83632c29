{#-
  One row per paper, deduplicated across days and formats. Title and abstract
  come from the paper's most recent appearance, preferring the richer source
  formats on the same day. arxiv_id, authors and the link fields follow the
  source precedence, API JSON > mirror JSON > text, then the latest day: a text
  dump landed beside the API's JSON never takes them away. github_repos_seen and
  project_pages_seen are the union of what every source gave.
  abstracts_seen keeps every distinct abstract of a paper published with more
  than one, so a URL printed only in an older (or longer) abstract is not lost
  to a later, shorter summary from another source. It is null for the (most)
  papers with one abstract: a second copy of every abstract made the table
  twice as wide, and writing it spilled under the build's memory_limit.

  Incremental by paper: a paper is rebuilt when the landed rows behind it
  changed (entries_fingerprint), i.e. when a day it appears on was added, read
  again or removed; a paper none of whose rows is left in the lake is deleted.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('int_digest_entries_identified'), 'paper_id') }}",
) }}

with entry_sets as (
    -- the paper's landed rows, each identified by its key and the version of its day's files
    select paper_id, {{ order_free_fingerprint("concat_ws(':', entry_id, lake_files_fingerprint)") }} as entries_fingerprint
    from {{ ref('int_digest_entries_identified') }}
    group by paper_id
),

changed_papers as (
    select paper_id, entries_fingerprint
    from entry_sets
    {{ where_changed_since_last_load({'paper_id': 'entry_sets.paper_id', 'entries_fingerprint': 'entry_sets.entries_fingerprint'}) }}
),

-- read again by each consumer (a scan), not materialized: it holds every abstract
entries as not materialized (
    select
        entries.*,
        changed_papers.entries_fingerprint,
        case entries.source_format when 'hf_api' then 1 when 'flat_json' then 2 else 3 end as source_rank
    from {{ ref('int_digest_entries_identified') }} as entries
    inner join changed_papers using (paper_id)
),

-- The aggregates below keep only small values per paper (keys, ids, links): the
-- title and abstract of the latest entry are joined back afterwards. Within the
-- build's memory_limit, an aggregate holding every abstract of three years of
-- papers (arg_max of a struct, string_agg of the distinct abstracts) runs out of memory.
per_paper as (
    select
        paper_id,
        any_value(entries_fingerprint) as entries_fingerprint,
        -- latest day first; on the same day the richer format, the later ingest, the better position
        arg_max(
            entry_id,
            struct_pack(digest_date, source_preference := -source_rank, ingested_at, position_preference := -digest_position, entry_id)
        ) as latest_entry_id,
        -- the precedence source first, then the latest day, then the later ingest
        arg_max(arxiv_id, struct_pack(source_preference := -source_rank, digest_date, ingested_at))
            filter (where arxiv_id is not null) as arxiv_id,
        arg_max(authors, struct_pack(source_preference := -source_rank, digest_date, ingested_at))
            filter (where len(authors) > 0) as authors,
        arg_max(github_repo, struct_pack(source_preference := -source_rank, digest_date, ingested_at))
            filter (where github_repo is not null) as github_repo,
        arg_max(project_page, struct_pack(source_preference := -source_rank, digest_date, ingested_at))
            filter (where project_page is not null) as project_page,
        list(distinct github_repo order by github_repo) filter (where github_repo is not null) as github_repos_seen,
        list(distinct project_page order by project_page) filter (where project_page is not null) as project_pages_seen
    from entries
    group by paper_id
),

-- Most papers were published with one abstract: only the others aggregate theirs
-- (hashes compared, so no aggregate holds the text of every abstract)
papers_with_several_abstracts as (
    select paper_id
    from entries
    group by paper_id
    having min(hash(abstract_raw)) <> max(hash(abstract_raw))
),

several_abstracts as (
    -- Lake abstracts have their whitespace collapsed, so a newline can separate them.
    select paper_id, array_to_string(list_sort(list(distinct abstract_raw)), chr(10)) as abstracts_seen
    from entries
    where paper_id in (select paper_id from papers_with_several_abstracts)
    group by paper_id
),

papers as (
    select
        per_paper.*,
        struct_pack(latest.title, latest.title_normalized, latest.abstract_raw) as latest,
        several_abstracts.abstracts_seen
    from per_paper
    inner join entries as latest on latest.entry_id = per_paper.latest_entry_id and latest.paper_id = per_paper.paper_id
    left join several_abstracts on several_abstracts.paper_id = per_paper.paper_id
)

select
    paper_id,
    latest.title as title,
    latest.title_normalized as title_normalized,
    case
        when strpos(latest.title, ':') between 2 and 61
            then trim(split_part(latest.title, ':', 1))
    end as short_name,
    latest.abstract_raw as abstract_raw,
    arxiv_id,
    authors,
    github_repo,
    project_page,
    coalesce(github_repos_seen, []) as github_repos_seen,
    coalesce(project_pages_seen, []) as project_pages_seen,
    abstracts_seen,
    entries_fingerprint,
    {{ surrogate_key(['latest.title', 'latest.abstract_raw', 'abstracts_seen', 'github_repos_seen', 'project_pages_seen']) }} as content_hash
from papers
