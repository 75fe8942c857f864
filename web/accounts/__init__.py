"""Pages of accounts: sign-in."""
