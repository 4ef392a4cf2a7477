"""Report assembly: findings computed from the store with ``rerating.analytics``."""
