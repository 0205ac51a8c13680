"""The ``b2bcredit`` command."""
