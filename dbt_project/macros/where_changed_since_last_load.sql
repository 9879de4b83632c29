{#-
  The filter of the content-incremental models: in an incremental run, keep
  only the rows this model has not loaded yet with the same content, i.e. new
  keys and keys whose fingerprint columns changed. Outside an incremental run
  it filters nothing.

  matches: {column of this model: expression of the query}, key first, e.g.
  {'paper_id': 'papers.paper_id', 'content_hash': 'papers.content_hash'}.
-#}
{% macro where_changed_since_last_load(matches) %}
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as loaded
        where {% for column, expression in matches.items() -%}
            loaded.{{ column }} = {{ expression }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
    )
    {% endif %}
{% endmacro %}
