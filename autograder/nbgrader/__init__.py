"""The nbgrader route: an nbgrader course built from this kit, and the bridge its test cells call.

`export` writes the course folder (`snn-grade nbgrader OUT_DIR`). `bridge` runs inside
the notebook's kernel: each autograder test cell runs one test of the installed suites
on the functions and classes the notebook defines.
"""

#: Course id written to `nbgrader_config.py` unless another is given.
DEFAULT_COURSE_ID = "snn-grade"

#: nbgrader's time limit per cell, in seconds, unless another is given. The longest
#: test trains the student's network for 5 epochs under a call limit of 20 s in the
#: suites (the reference needs 1.5 to 4 s on 2 cores), so 120 s leaves that test
#: its own limit plus room for loading the data and a loaded machine.
DEFAULT_CELL_TIMEOUT_S = 120
