from . import test_sale_fapiao
