"""The outer ring: chat platforms, the console, the CLI and the composition root."""
