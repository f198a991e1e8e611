"""Keep pytest out of the hostile entries, some of which ship their own conftest.py.

tests/test_hostile.py grades the entries. If pytest collected their folders, it would load
their conftest.py files into this repository's own test session. This folder is a package
(it has an __init__.py), so pytest imports this file as hostile.conftest and it does not
replace tests/conftest.py, which the test modules import as `conftest`.
"""

collect_ignore_glob = ["*"]
