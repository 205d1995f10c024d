"""Maintenance scripts for the book (run with ``python -m dlbook.tools.<name>``)."""
