"""Django settings for the test suite: a throwaway LAWLEDGER_HOME with its own master key.

Imported by pytest-django before anything touches the database, so the environment it sets is
what lawledger.settings reads.
"""

from __future__ import annotations

import base64
import os
import tempfile

if "LAWLEDGER_TEST_HOME_READY" not in os.environ:
    _home = tempfile.mkdtemp(prefix="lawledger-test-")
    os.environ["LAWLEDGER_HOME"] = _home
    os.environ["LAWLEDGER_TEST_DIR"] = _home
    os.environ["LAWLEDGER_TEST_HOME_READY"] = "1"
    os.makedirs(os.path.join(_home, "keys"), mode=0o700)
    with open(os.path.join(_home, "keys", "master.key"), "wb") as _handle:
        _handle.write(base64.b64encode(os.urandom(32)) + b"\n")
    os.chmod(os.path.join(_home, "keys", "master.key"), 0o600)
os.environ.pop("LAWLEDGER_MASTER_KEY", None)

from lawledger.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast in tests only
