"""Content negotiation and result/graph formats; pure functions, no flask."""
