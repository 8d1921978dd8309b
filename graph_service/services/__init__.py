"""Domain logic: drug cards, checks, SPARQL rules, exports. Never imports flask."""
