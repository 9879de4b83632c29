{#- A seed's '|'-separated term list as a list of trimmed, non-empty terms. -#}
{% macro split_terms(column) -%}
    list_filter(list_transform(string_split(coalesce({{ column }}, ''), '|'), lambda term: trim(term)), lambda term: term <> '')
{%- endmacro %}
