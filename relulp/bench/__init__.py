"""The LP solver benchmark (``relulp bench``): instance suites (:mod:`.suites`, :mod:`.instances`), the runner
and its command line (:mod:`.run`), scoring and reports (:mod:`.report`). See docs/benchmarking.md."""
