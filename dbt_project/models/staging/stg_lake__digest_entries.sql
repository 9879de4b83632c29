-- Renames and casts only; identity and cleaning happen in intermediate/.
select
    {{ surrogate_key(['digest_date', 'source_sha256', 'position']) }} as entry_id,
    cast(digest_date as date) as digest_date,
    cast(position as integer) as digest_position,
    title,
    abstract as abstract_raw,
    nullif(trim(arxiv_id), '') as arxiv_id,
    authors,
    cast(upvotes as integer) as upvotes,
    cast(published_at as timestamptz) as published_at,
    nullif(trim(github_repo), '') as github_repo,
    nullif(trim(project_page), '') as project_page,
    source_format,
    source_uri,
    source_sha256,
    parser_version,
    cast(ingested_at as timestamptz) as ingested_at
from {{ source('lake', 'digest_entries') }}
