"""pytest plugin entry point (pytest11): the ordered import contract and fresh fakes per test."""
