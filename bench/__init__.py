"""Benchmarks whose figures the README quotes; ``bench/pull.py`` is the order-import benchmark."""
