from . import res_company
from . import res_config_settings
from . import account_move_line
from . import fruit_invoice_batch
from . import sale_order
from . import stock_picking
from . import res_partner
from . import account_move
