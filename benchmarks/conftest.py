"""Benchmarks run only when named explicitly (pytest's testpaths is tests/): make shapes.py importable."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
