{#-
  The paper-grain marts keep no state column of their own, so an incremental
  run finds its work by comparing: the keys (papers) having any row that the
  model would now hold and the published table does not, or the other way
  round. Reading both sides is far cheaper than writing the table again, and a
  drift of any kind is repaired by the next run.

  current_rows: a CTE of the model holding every row it should hold now, with
  the columns of {{ this }} in the same order.
  row_key: the column identifying a row; group_key: the unique_key that
  delete+insert replaces.
-#}
{% macro keys_with_changed_rows(current_rows, row_key, group_key) %}
    select coalesce(current_rows.{{ group_key }}, published.{{ group_key }})
    from {{ current_rows }} as current_rows
    full outer join {{ this }} as published on published.{{ row_key }} = current_rows.{{ row_key }}
    where current_rows is distinct from published
{% endmacro %}
