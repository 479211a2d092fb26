"""Plain-Python services of fruit_invoice (no Odoo import)."""
