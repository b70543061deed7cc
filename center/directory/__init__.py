"""The public provider directory: search and sort providers by kind, region and record."""
