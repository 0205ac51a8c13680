"""Payment options for a buyer and a cart."""
