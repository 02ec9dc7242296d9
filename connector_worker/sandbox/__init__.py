"""Sandboxes: real HTTP servers that behave like Magento 2.4.7 and Odoo 17-19, for tests and the demo."""
