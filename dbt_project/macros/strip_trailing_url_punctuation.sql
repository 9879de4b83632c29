{#- Sentence punctuation and closing brackets glued to the end of a URL. -#}
{% macro strip_trailing_url_punctuation(column) -%}
    regexp_replace({{ column }}, '[.,;:!?)\]}>''"]+$', '')
{%- endmacro %}
