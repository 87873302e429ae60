"""The loyalty ledger in GraphQL: the balance and movements of a customer."""
