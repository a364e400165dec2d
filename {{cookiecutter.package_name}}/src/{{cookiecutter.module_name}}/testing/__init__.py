"""Test helpers that ship with the provider: a local stand-in for the API."""
