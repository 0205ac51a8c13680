"""Credit-limit methods and the limit policy that combines them."""
