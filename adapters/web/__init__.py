"""The one HTTP server on $PORT and what it serves: webhooks, feeds and pages."""
