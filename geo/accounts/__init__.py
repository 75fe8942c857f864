"""Accounts: users, credentials, area-scoped permissions and the audit log."""
