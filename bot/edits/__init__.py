"""Edits of the calendar file by the bot: what an edit is (`contract`), the comment-keeping YAML
operations that make one (`operations`), and the writer that applies it under a lock, compare-and-
swap, and commits it (`writer`, with `git_repo` when the calendar lives in a git repository)."""
