{
    "name": "Magento 2 Connector",
    "summary": "Magento fields on sales orders, Magento instances, and an outbox the connector worker polls",
    # No series: Odoo prefixes its own (18.0.1.0.0 on 18, 19.0.1.0.0 on 19) and refuses a version that names
    # another series, so one tree installs on both. pylint-odoo wants the series in it.
    "version": "1.0.0",  # pylint: disable=manifest-version-format
    "category": "Sales/Sales",
    "author": "magento-odoo-connector contributors",
    "license": "LGPL-3",
    "depends": ["sale_management", "sale_stock", "account"],
    "data": [
        "security/magento_security.xml",
        "security/ir.model.access.csv",
        "views/magento_instance_views.xml",
        "views/magento_outbox_views.xml",
        "views/sale_order_views.xml",
        "views/product_product_views.xml",
        "views/res_partner_views.xml",
        "views/magento_menus.xml",
    ],
    "application": True,
}
