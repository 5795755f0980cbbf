"""Local fakes of the platforms' APIs, driven by the real client libraries.

PATIENCE is how long a test waits on one of them (a connection, an answer, a send it expects)
before giving up: generous, so that a busy machine slows the suite down but never fails it. A wait
that returns as soon as its event happens costs nothing when all is well; only a hang waits it out.
"""

PATIENCE = 60.0  # seconds
