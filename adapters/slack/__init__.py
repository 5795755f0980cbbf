"""Slack, through slack-bolt: the adapter, inbound translation, Block Kit rendering and the app
manifest.
"""
