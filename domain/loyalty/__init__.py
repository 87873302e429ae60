"""One points ledger per customer, shared by the web, the app and the tills."""
