"""Real framework servers for tests/test_real_frameworks.py: their configurations, and how they start."""
