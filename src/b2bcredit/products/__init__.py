"""The credit product catalogue: eligibility and pricing of each payment option."""
