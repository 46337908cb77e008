"""Figures and the HTML run report."""
