"""Esper services (Tamiyo, Tezzeret, Urza, ...): implemented in later phases."""
