"""The child process of the import crash test: `python -m tests.backup.import_child setup|import`.

`setup` creates the generated firm's trust account; `import` prints "started" once Django is up,
stores the generated bank statements of that account (about 10,000 lines, one transaction), prints
"imported N", then proposes matches and prints "matched N". The parent kills it by its id.
"""

from __future__ import annotations

import hashlib
import os
import sys

STATEMENT_ENTRIES = 11_000  # a firm of this many entries has a year of about 10,000 bank lines


def _write(line: str) -> None:
    os.write(1, (line + "\n").encode())


def main() -> None:
    from lawledger import bootstrap

    bootstrap.setup()
    from bench.generator import TRUST_ACCOUNT, setup_firm, shape_for, statements, trust_entries

    from lawledger.banking.imports import import_statements
    from lawledger.banking.matching import auto_match
    from lawledger.core.access import Principal
    from lawledger.ledger.accounts import get_bank_account

    shape = shape_for(STATEMENT_ENTRIES)
    if sys.argv[1] == "setup":
        setup_firm(shape)
        _write("ready")
        return
    made = statements(shape, trust_entries(shape))
    actor = Principal.operator("crash-test")
    _write("started")
    result = import_statements(actor=actor, bank=get_bank_account(TRUST_ACCOUNT),
                               statements=made, file_sha256=hashlib.sha256(b"E1").hexdigest(),
                               file_size_bytes=0, file_name="year.csv")
    _write(f"imported {result.new_lines} of {sum(len(s.lines) for s in made)}")
    _write(f"matched {auto_match(actor=actor, account=TRUST_ACCOUNT).proposed}")


if __name__ == "__main__":
    main()
