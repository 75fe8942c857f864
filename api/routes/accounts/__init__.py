"""HTTP of accounts: tokens, sign-in, the audit log."""
