"""Exports of the books that another tool can check: beancount and hledger journals.

Not a Django app: it reads the ledger through plain SQL inside an audited transaction
(`books.export_books`) and hands the rows to a writer (`beancount.py`, `hledger.py`).
"""
