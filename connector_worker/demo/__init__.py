"""The demo: every process of the connector around the two sandboxes (or a real Odoo), end to end."""
