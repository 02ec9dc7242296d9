"""Helpers shared by the test suite: embedded Redis, sandboxes in threads, contract validation."""
