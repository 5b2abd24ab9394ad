"""Trust reports as files: the same numbers as the CLI JSON and the web pages, as CSV and PDF.

Not a Django app (it has no models). `tables` turns a report document from `ledger.queries`
into a neutral table; `csv_safe` and `pdf` render that table; `exports` fetches, renders and
audits an export (Event.EXPORT_CREATED), for the CLI (`--csv FILE`, `--pdf FILE`) and the web
download views alike.
"""
