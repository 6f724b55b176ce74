"""Thin views: validate a form, call a service, render or redirect (POST-redirect-GET)."""
