{#-
  One row per paper, deduplicated across days and formats. Attributes come from
  the paper's most recent appearance, preferring the richer source formats on
  the same day; arxiv_id / links are the latest non-null any source gave.
  abstracts_seen keeps every distinct abstract the paper was published with, so
  a URL printed only in an older (or longer) abstract is not lost to a later,
  shorter summary from another source.
  One aggregation pass (arg_max over a struct sort key) rather than a window
  plus a join: this model reads every landed row on every run.
-#}
with entries as (
    select
        *,
        case source_format when 'hf_api' then 1 when 'flat_json' then 2 else 3 end as source_rank
    from {{ ref('int_digest_entries_identified') }}
),

per_paper as (
    select
        paper_id,
        -- latest day first; on the same day the richer format, the later ingest, the better position
        arg_max(
            struct_pack(title, title_normalized, abstract_raw),
            struct_pack(digest_date, source_preference := -source_rank, ingested_at, position_preference := -digest_position, entry_id)
        ) as latest,
        arg_max(arxiv_id, digest_date) filter (where arxiv_id is not null) as arxiv_id,
        arg_max(github_repo, digest_date) filter (where github_repo is not null) as github_repo,
        arg_max(project_page, digest_date) filter (where project_page is not null) as project_page,
        -- Lake abstracts have their whitespace collapsed, so a newline can separate them.
        string_agg(distinct abstract_raw, chr(10) order by abstract_raw) as abstracts_seen
    from entries
    group by paper_id
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
    github_repo,
    project_page,
    abstracts_seen,
    {{ surrogate_key(['latest.title', 'latest.abstract_raw', 'abstracts_seen', 'github_repo', 'project_page']) }} as content_hash
from per_paper
