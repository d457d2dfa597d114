"""API plumbing shared by every resource: bearer auth, scopes, errors, media types, rate limit."""
