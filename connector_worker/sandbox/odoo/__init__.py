"""Odoo 17/18/19 sandbox: a real HTTP server speaking XML-RPC, JSON-RPC and JSON-2 over an in-memory ORM.

Start it with ``connector sandbox odoo`` or, from tests, ``tests/support/odoo_sandbox.py``.
"""
