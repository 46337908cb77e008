"""Stress tests: scenarios, readings and prior sets compared; ABC calibration; scenario discovery."""
