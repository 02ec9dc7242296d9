"""Typed settings of the connector: environment, the instances file, Celery and beat configuration."""
