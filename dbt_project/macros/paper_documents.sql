{#- A paper's title and cleaned abstract as token lists, the documents phrase_occurrences searches. -#}
{% macro paper_documents(papers) %}
    select paper_id, 'title' as field, {{ tokenize_for_matching('title') }} as tokens from {{ papers }}
    union all
    select paper_id, 'abstract' as field, {{ tokenize_for_matching('abstract_cleaned') }} as tokens from {{ papers }}
{% endmacro %}
