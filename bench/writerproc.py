"""The sequential part's writer in a process of its own, as a member's phone is.

In the bench's process the writer's HTTP client shares one event loop with the listeners'
sockets: at 200 listeners the answer to an add waited there behind the frames of the
same event arriving on up to 200 sockets (~13 µs of client CPU each), and that wait was
counted as the server's. Here the writer is a child process (`python -m bench.writerproc
BASE_URL KIND`) that takes one request per line on stdin and answers on stdout with its own
start and elapsed times.

Its times are `time.perf_counter()` values, which on Linux read CLOCK_MONOTONIC, one clock
for every process of the machine: the parent compares them with its listeners' arrival
times directly (`RemoteWriter` checks that the two clocks agree when it starts).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from . import httpclient


class RemoteWriter:
    """The parent's side: `await post(...)` -> (start, elapsed seconds, status)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, base_url: str) -> RemoteWriter:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.writerproc",
            base_url,
            httpclient.KIND,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        writer = cls(process)
        before = time.perf_counter()
        child_now = await writer._ask({"op": "clock"})
        after = time.perf_counter()
        if not before <= child_now["now"] <= after:
            await writer.close()
            raise RuntimeError("the writer process's perf_counter is not this process's clock")
        return writer

    async def _ask(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the writer process exited ({await self.process.wait()})")
        return json.loads(line)

    async def post(
        self, path: str, *, data: dict[str, str], headers: dict[str, str]
    ) -> tuple[float, float, int]:
        answer = await self._ask({"op": "post", "path": path, "data": data, "headers": headers})
        if "error" in answer:
            raise httpclient.LeanHTTPError(answer["error"])
        return answer["start"], answer["elapsed"], answer["status"]

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def _serve(base_url: str) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    async with httpclient.async_client(base_url=base_url, timeout=30) as http:
        while line := await reader.readline():
            command = json.loads(line)
            if command["op"] == "clock":
                answer = {"now": time.perf_counter()}
            else:
                start = time.perf_counter()
                try:
                    response = await http.post(
                        command["path"], data=command["data"], headers=command["headers"]
                    )
                except Exception as error:  # the parent counts it, as it did in-process
                    answer = {"error": repr(error)}
                else:
                    elapsed = time.perf_counter() - start
                    answer = {"start": start, "elapsed": elapsed, "status": response.status_code}
            out.write(json.dumps(answer).encode() + b"\n")
            out.flush()


if __name__ == "__main__":
    httpclient.KIND = sys.argv[2]
    asyncio.run(_serve(sys.argv[1]))
