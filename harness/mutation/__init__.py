"""Mutation runs of legacy services: noise filters, a warm fork-per-mutant runner, and reports.

`mutmut_config.py` (at the project root) uses `filters`; `harness mutants` (`command`) runs
mutmut 2.5.1 in a temporary copy of the tree, per service and per suite, and writes the reports.
Nothing here imports mutmut, pytest or a legacy service at import time.
"""
