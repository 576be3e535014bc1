"""`harness scan` and `harness init`: from an unknown legacy module to a working test setup.

`scan` lists what a module does while it is imported (clients, threads, env reads, files,
loops) and what would have to be faked to import it offline; `init` turns the same facts into a
`[tool.harness]` section or a hand-written ordered conftest, rendered from `harness/scaffold/templates/`.
Both read source only: nothing scanned is imported or run.
"""
