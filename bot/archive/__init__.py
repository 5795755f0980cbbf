"""The talk archive: website posts imported into events.yaml, the comment-preserving writer, and the
JSON, iCalendar and Atom exports.
"""
