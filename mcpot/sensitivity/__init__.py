"""Global sensitivity analysis: Sobol and Morris machinery, the model per sector, the orchestrators."""
