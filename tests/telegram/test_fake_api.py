"""The fake Bot API itself: flood limits and the standalone process others reuse."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.fakes.telegram_api import FakeBotApi, spawn


async def test_enforced_limits_answer_real_429s() -> None:
    async with FakeBotApi(enforce_limits=True) as api, httpx.AsyncClient(base_url=api.url) as client:
        answers = [await client.post("/botT/sendMessage", data={"chat_id": "-100", "text": str(i)}) for i in range(21)]
        assert [a.status_code for a in answers] == [200] * 20 + [429]
        body = answers[-1].json()
        assert body["ok"] is False and body["error_code"] == 429
        assert 1 <= body["parameters"]["retry_after"] <= 60
        # Other chats are still within the overall limit.
        other = await client.post("/botT/sendMessage", data={"chat_id": "5", "text": "x"})
        assert other.status_code == 200
        assert api.rejected_429 == 1 and len(api.sent) == 21


async def test_overall_limit_is_30_per_second() -> None:
    async with FakeBotApi(enforce_limits=True) as api, httpx.AsyncClient(base_url=api.url) as client:
        codes = [
            (await client.post("/botT/sendMessage", data={"chat_id": str(i + 1), "text": "x"})).status_code
            for i in range(31)
        ]
        assert codes.count(200) == 30 and codes[-1] == 429


async def test_wrong_token_is_unauthorized() -> None:
    async with FakeBotApi("1:right") as api, httpx.AsyncClient(base_url=api.url) as client:
        response = await client.post("/bot1:wrong/getMe")
    assert response.status_code == 401 and response.json()["ok"] is False


async def test_standalone_process_records_every_send(tmp_path: Path) -> None:
    record = tmp_path / "sent.jsonl"
    process, url = await spawn(record)
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            queued = await client.post("/_fake/updates", json={"text": "/next", "chat_id": -100})
            assert queued.json()["update_id"] == 1
            updates = (await client.post("/botT/getUpdates", data={"timeout": "0"})).json()["result"]
            assert updates[0]["message"]["text"] == "/next"
            await client.post("/botT/sendMessage", data={"chat_id": "-100", "text": "one"})
            await client.post("/_fake/fail", json={"kind": "forbidden", "chat_id": -100})
            refused = await client.post("/botT/sendMessage", data={"chat_id": "-100", "text": "two"})
            assert refused.status_code == 403
            stats = (await client.get("/_fake/stats")).json()
        assert stats["sent"] == 1
        # Written and flushed at once: readable while the server still runs.
        assert [json.loads(x)["text"] for x in record.read_text().splitlines()] == ["one"]
    finally:
        process.kill()
        await process.wait()
