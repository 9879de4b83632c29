{#- No dbt hub: the one generic test from dbt_utils we need, written here. -#}
{% test unique_combination_of_columns(model, columns) %}
select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Exactly one row flagged true per group: one primary topic per paper. -#}
{% test exactly_one_true_per_group(model, column_name, group_by) %}
select {{ group_by }}, count_if({{ column_name }}) as true_count
from {{ model }}
group by {{ group_by }}
having count_if({{ column_name }}) <> 1
{% endtest %}
