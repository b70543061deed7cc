"""Infrastructure of the hub: the database, problem answers, request parsing, caches."""
