"""The test suite (DESIGN.md section 8; the harness is conftest.py)."""

import sys

# Compiled code is kept from one test process to the next even where PYTHONDONTWRITEBYTECODE is set (as in some
# shells and CI images): else each process (two or more a pass of `make test`) rewrote the asserts of the ~500 test
# modules and compiled the app's modules anew, some 15 s of CPU each. Set here, before conftest.py imports the app.
# The files go to __pycache__ directories, which git ignores.
sys.dont_write_bytecode = False
