"""Small legacy-style projects, one per pattern a real service shows at import (see
test_projects.py). Their own test files run only inside their project, under their own
`pyproject.toml`: the outer session does not collect them."""

collect_ignore_glob = ["projects/*"]
