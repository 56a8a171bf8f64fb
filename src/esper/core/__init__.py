"""Esper core training machinery: implemented in later phases."""
