"""Chat: neutral messages, the reply tree, the command registry and what each command answers."""
