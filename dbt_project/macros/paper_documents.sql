{#- A paper's title and cleaned abstract as token lists, the documents phrase_occurrences searches; key names the paper. -#}
{% macro paper_documents(papers, key='paper_id') %}
    select {{ key }}, 'title' as field, {{ tokenize_for_matching('title') }} as tokens from {{ papers }}
    union all
    select {{ key }}, 'abstract' as field, {{ tokenize_for_matching('abstract_cleaned') }} as tokens from {{ papers }}
{% endmacro %}
