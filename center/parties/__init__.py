"""The hub's parties: stores (GSPs), providers, customers; their keys and authentication."""
