{#- Use a folder's custom schema as-is ("staging", not "main_staging"), so BI
    users see marts in "main" and the layers below in schemas named after them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
