"""The model's calendar: base year, band years, scenario years and the longest horizon (years)."""

BASE_YEAR = 2022
BAND_YEARS = (2025, 2035)
SCENARIO_YEARS = (2025, 2030, 2035)
MAX_HORIZON = 2060
