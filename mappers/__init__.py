"""Pure functions turning Magento payloads into Odoo values and back; no I/O, no clock."""
