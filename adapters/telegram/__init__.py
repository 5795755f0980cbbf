"""Telegram, through python-telegram-bot v22: the adapter, HTML rendering and send pacing."""
