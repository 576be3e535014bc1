"""The broken conftests under broken/ are data for the linter, never tests to collect or run."""

collect_ignore = ["broken"]
