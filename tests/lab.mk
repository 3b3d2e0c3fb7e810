# integration tests against the loopback lab (tests/lab)
