from . import sale_order
from . import tax_fapiao_consistency
