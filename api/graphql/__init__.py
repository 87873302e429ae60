"""The GraphQL API: one schema for web, mobile, POS and staff."""
