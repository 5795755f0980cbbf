"""Announcements: what is due when (pure rules), the scheduler that times it, and delivery through the
ledger, never twice.
"""
