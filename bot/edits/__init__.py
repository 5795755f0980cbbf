"""Edits of the calendar file by the bot: what an edit is (`contract`), the comment-keeping YAML
operations that make one (`operations`, on `roundtrip`'s node positions), and the writer that
applies it (`writer`): under a lock (`atomic`'s folder lock, `db_lock` across machines sharing
PostgreSQL), compare-and-swap and atomic replace (`atomic`), committed with `git_repo`, and, when
the calendar lives in a git repository, fetched while the bot runs (`pull`)."""
