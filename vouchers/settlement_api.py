"""Settlement statements in the voucher API (token only): routes on vouchers.api's blueprint."""

from .api import bp  # noqa: F401
