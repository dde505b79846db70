"""Officers' corrections to settlement statements (routes on the vouchers blueprint)."""
