"""Points, referrals, member events, co-marketing funds and rebates."""
