from . import magento_instance
from . import magento_outbox
from . import sale_order
from . import product_product
from . import res_partner
from . import stock_picking
from . import account_move
