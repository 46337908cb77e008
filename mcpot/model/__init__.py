"""The model: priors, distributions, the kernel (equations (1)-(3)), the parameter space and the report."""
