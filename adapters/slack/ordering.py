"""Each person's Slack requests handled in arrival order, different people at once.

Bolt acknowledges a request and then runs its listener in a task of its own, so two requests
of one person could reach the core in either order. `OrderedApp` takes the request's place in
its key's queue (adapters/ordering.py) the moment Bolt is handed the request, before any await,
and the listener runs the core in that turn; the ack is not ordered and stays immediate. A
request whose listener does not take its turn (dropped by the gate, no listener, noise) gives
it up as soon as Bolt has dispatched it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.ordering import KeyedSerial, Turn

TURN = "meetup_bot_turn"  # in the request's context: its place in its key's queue
TAKEN = "meetup_bot_turn_taken"  # set when a listener that runs the core took the turn


class OrderedApp(AsyncApp):
    """Bolt's app; every request gets a `Turn` in `order` before it is dispatched."""

    def __init__(self, *, concurrency: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order = KeyedSerial(concurrency)

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        turn = self.order.reserve(order_key(req.body))
        req.context[TURN] = turn
        try:
            return await super().async_dispatch(req)
        finally:
            if not req.context.get(TAKEN):
                turn.skip()


async def take_turn(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
    """Listener middleware: this listener will run and use (or skip) the request's turn. It
    runs while Bolt dispatches, so `async_dispatch` knows not to give the turn up."""
    context[TAKEN] = True
    await next()


@contextlib.contextmanager
def turn_of(context: AsyncBoltContext) -> Iterator[Turn]:
    """The request's turn, given up on the way out unless it ran (a listener of `take_turn`)."""
    turn = context.get(TURN)
    if not isinstance(turn, Turn):  # dispatched some other way: order nothing
        turn = KeyedSerial(1).reserve(None)
    try:
        yield turn
    finally:
        turn.skip()


def order_key(body: Mapping[str, Any]) -> Hashable | None:
    """(team, user, channel) of a slash command, an event or an interaction; None if it names
    neither a user nor a channel."""
    event, team, user, channel = (_dict(body.get(k)) for k in ("event", "team", "user", "channel"))
    team_id = body.get("team_id") or team.get("id") or event.get("team")
    user_id = body.get("user_id") or user.get("id") or event.get("user")
    channel_id = (
        body.get("channel_id")
        or channel.get("id")
        or _dict(body.get("container")).get("channel_id")
        or event.get("channel")
        or _view_channel(body)
    )
    if not user_id and not channel_id:
        return None
    return (_str(team_id), _str(user_id), _str(channel_id))


def _view_channel(body: Mapping[str, Any]) -> str | None:
    """A submitted modal is answered in the submitter's DM (interactive.py): key it there."""
    if body.get("type") == "view_submission":
        return _str(_dict(body.get("user")).get("id")) or None
    return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return "" if value is None else str(value)
