"""REST API v3 for bookings, their fees, taxes and comments, and clients."""
