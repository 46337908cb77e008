"""The Monte Carlo engine: designs, parallel chunked evaluation, streaming summaries, run folders."""
