"""Whole stories on the real contracts, through the checked facade: losses, a simulated year,
the oDAO's watch over bond reductions; each with the amounts every party ends with.
"""
