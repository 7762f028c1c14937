"""The ``deerhabitat`` command line: parse arguments, call one workflow, print the result."""
