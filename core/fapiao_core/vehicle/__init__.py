"""Plain-Python services of vehicle_invoice (no Odoo import)."""
