"""The calendar: events.yaml read with line numbers, validated into frozen dataclasses, indexed for
queries, cached, and hot-reloaded.
"""
