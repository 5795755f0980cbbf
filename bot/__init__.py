"""meetup-bot's platform-neutral core: the calendar, the commands and what they answer."""
