"""The ``connector`` command line."""
