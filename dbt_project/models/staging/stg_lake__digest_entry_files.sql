-- Renames and casts only. Selecting no `content` column keeps read_blob from reading the files.
select
    cast(regexp_extract(filename, 'digest_date=(\d{4}-\d{2}-\d{2})/', 1) as date) as digest_date,
    -- relative to the lake, so a lake moved with its files' times kept (cp -p) is not seen as new
    regexp_extract(filename, 'digest_date=[^/]+/[^/]+$') as file_path,
    size as size_bytes,
    cast(last_modified as timestamptz) as modified_at
from {{ source('lake', 'digest_entry_files') }}
