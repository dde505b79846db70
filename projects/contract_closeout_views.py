"""A contract's close-out: its final account (routes on the projects blueprint)."""
