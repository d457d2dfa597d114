"""REST API v3 for rentals."""
