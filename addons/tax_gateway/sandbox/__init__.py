"""Sandbox tax platform: a standalone HTTPS server (no Odoo import). Run server.py."""
