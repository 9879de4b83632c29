{#-
  The paper's kind (new method, benchmark or dataset, survey, system or tool,
  position or analysis), explainable like topics: the paper_kinds seed lists
  each kind's cue phrases, found as whole words (tokenize_for_matching) in
  title and abstract; a title whose last character is '?' counts as the cue
  "question title". A kind scores var paper_kind_title_weight per cue in the
  title and 1 per cue in the abstract; the best kind with at least
  paper_kind_min_score wins (ties by the seed's precedence), else the default
  kind (a new method). kind_cues shows the evidence.

  Incremental on content like int_paper_topics_matched.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
) }}

{% set title_weight = var('paper_kind_title_weight') %}
{% set min_score = var('paper_kind_min_score') %}

with kinds as (
    select * from {{ ref('paper_kinds') }}
),

kinds_version as (
    select md5(concat_ws(';',
        (select string_agg(concat_ws('|', paper_kind, cue_phrases, precedence, is_default), ';' order by paper_kind) from kinds),
        '{{ title_weight }}|{{ min_score }}',
        -- the classifier's own code: a new rule or tokenizer re-classifies every paper
        '{{ local_md5(model.raw_code ~ tokenize_for_matching("t") ~ paper_documents("p") ~ phrase_occurrences("d", "t")) }}'
    )) as kinds_hash
),

-- inlined, not materialized: DuckDB tokenizes title and abstract about 8x
-- slower when they come out of a materialized CTE
papers as not materialized (
    select papers.paper_id, papers.content_hash, papers.title, abstracts.abstract_cleaned, kinds_version.kinds_hash
    from {{ ref('int_papers_normalized') }} as papers
    inner join {{ ref('int_abstracts_cleaned') }} as abstracts using (paper_id)
    cross join kinds_version
    {{ where_changed_since_last_load({
        'paper_id': 'papers.paper_id',
        'content_hash': 'papers.content_hash',
        'kinds_hash': 'kinds_version.kinds_hash',
    }) }}
),

cues as (
    select distinct paper_kind, trim(cue) as cue, {{ tokenize_for_matching('cue') }} as phrase_tokens
    from (select paper_kind, unnest(string_split(cue_phrases, '|')) as cue from kinds where cue_phrases is not null)
    where cue <> 'question title'
),

-- inlined: read once, and scanning a materialized copy of the token lists costs more than making them
documents as not materialized (
    {{ paper_documents('papers') }}
),

cue_hits as (
    select distinct paper_id, field, paper_kind, cue
    from ({{ phrase_occurrences('documents', 'cues') }})
    union all
    select papers.paper_id, 'title' as field, kinds.paper_kind, 'question title' as cue
    from papers
    inner join kinds on contains(kinds.cue_phrases, 'question title')
    where rtrim(papers.title) like '%?'
),

kind_scores as (
    select
        paper_id,
        paper_kind,
        sum(case when field = 'title' then {{ title_weight }} else 1 end) as kind_score,
        list(distinct cue order by cue) as kind_cues
    from cue_hits
    group by paper_id, paper_kind
),

best_kinds as (
    select kind_scores.*
    from kind_scores
    inner join kinds using (paper_kind)
    where kind_scores.kind_score >= {{ min_score }}
    qualify row_number() over (partition by kind_scores.paper_id order by kind_scores.kind_score desc, kinds.precedence) = 1
)

select
    papers.paper_id,
    coalesce(best_kinds.paper_kind, (select paper_kind from kinds where is_default)) as paper_kind,
    coalesce(best_kinds.kind_cues, cast([] as varchar[])) as kind_cues,
    coalesce(best_kinds.kind_score, 0) as kind_score,
    papers.content_hash,
    papers.kinds_hash
from papers
left join best_kinds using (paper_id)
