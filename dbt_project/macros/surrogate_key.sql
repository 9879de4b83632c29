{#- A stable md5 key from several columns; nulls become '' so a key never is null. -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('||', {% for column in columns %}coalesce(cast({{ column }} as varchar), ''){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
