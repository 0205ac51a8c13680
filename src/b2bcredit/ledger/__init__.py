"""Accounts, authorizations, invoices, payments, credit notes, exposure and domain events."""
