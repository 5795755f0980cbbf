"""Talk proposals and venue offers from chat, and the organisers' review of them."""
