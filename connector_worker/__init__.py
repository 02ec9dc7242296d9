"""Runtime of the connector: Celery app, Magento client, Odoo gateway, webhook receiver, Redis primitives, CLI."""
