from . import product_template
from . import stock_lot
from . import res_company
from . import res_config_settings
from . import tax_fapiao
from . import account_move
from . import sale_order
from . import vehicle_risk
