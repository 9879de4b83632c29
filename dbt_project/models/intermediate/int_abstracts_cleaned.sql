{#-
  Abstracts with LaTeX remnants resolved. Incremental on content: only papers
  whose text changed (or that are new) are cleaned again.
  Order matters: URL wrappers first (so "SequeL\url{...}" becomes two words),
  then font/formatting groups, then symbols, then leftover braces.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
) }}

with papers as (
    select paper_id, content_hash, abstract_raw
    from {{ ref('int_papers_normalized') }} as papers
    {{ where_changed_since_last_load({'paper_id': 'papers.paper_id', 'content_hash': 'papers.content_hash'}) }}
),

urls_unwrapped as (
    select
        paper_id,
        content_hash,
        -- "https://x{https://x}" (a URL printed twice) -> the braced copy
        regexp_replace(
            -- "\url{https://...}" and "blue{https://...}" (a colour macro) -> " https://..."
            regexp_replace(abstract_raw, 'https?://[^\s{}]*\{(https?://[^\s{}]+)\}', '\1', 'g'),
            '(?:\\url|\\href|[A-Za-z]*)\{(https?://[^\s{}]+)\}', ' \1', 'g'
        ) as abstract_text
    from papers
),

formatting_resolved as (
    select
        paper_id,
        content_hash,
        regexp_replace(
            regexp_replace(
                -- "{\textbf P}rototypes", "{\em within the data}" -> the text
                regexp_replace(abstract_text, '\{\\(?:em|bf|it|sc|rm|tt|sf|textbf|textit|texttt|textrm|emph)\s+([^{}]*)\}', '\1', 'g'),
                -- "\texttt{Avg-K}", "\emph{x}" -> the text
                '\\(?:textbf|textit|texttt|textrm|textsc|emph|mathrm|mathbf|mathcal|text)\{([^{}]*)\}', '\1', 'g'
            ),
            -- "\method{}" (a macro the dump lost) and stray "\bf" switches -> nothing
            '\\[A-Za-z]+\{\}|\\(?:bf|em|it)\b\s*', '', 'g'
        ) as abstract_text
    from urls_unwrapped
),

symbols_resolved as (
    select
        paper_id,
        content_hash,
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    replace(replace(replace(replace(replace(abstract_text,
                        '{\deg}', '°'), '\deg', '°'), '\%', '%'), '\&', '&'), '\_', '_'),
                    -- "2{3}": a fraction whose slash the dump lost
                    '(\d)\{(\d+)\}', '\1/\2', 'g'
                ),
                -- LaTeX non-breaking space between words: "available~https"
                '([A-Za-z])~([A-Za-z])', '\1 \2', 'g'
            ),
            -- remaining grouping braces: "{here.}" -> "here."
            '[{}]', '', 'g'
        ) as abstract_text
    from formatting_resolved
)

select
    paper_id,
    content_hash,
    trim(regexp_replace(abstract_text, '\s+', ' ', 'g')) as abstract_cleaned
from symbols_resolved
