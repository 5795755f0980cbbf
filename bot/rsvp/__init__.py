"""RSVP in chat: who is coming to a meetup, its capacity and waitlist, the host's guest list."""
