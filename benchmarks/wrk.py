"""Throughput load from wrk: prepared POST requests over keep-alive connections, from one thread.

Where a figure is a rate, the load generator must not be what limits it. On a two-core machine the
aiohttp generator (``benchmarks/load.py``) spends about as much CPU per request as a fast FastAPI
endpoint, so both rates measured the generator as much as the server. wrk (C, event loop) sends the
same requests for a small fraction of that. Each request is prepared in full here (method, path,
headers, body) and wrk sends them in turn; a Lua ``response`` hook counts answers other than the
expected status, and answers carrying a given header (analytics' ``X-Analytics-Dropped``).

wrk comes from the system's packages (Debian/Ubuntu ``apt-get install wrk``, macOS ``brew install
wrk``); ``make bench`` installs it with apt-get when it can.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.load import Result

WRK_MISSING = "wrk is not installed: apt-get install wrk (Debian/Ubuntu) or brew install wrk (macOS)"

_SCRIPT = """
local requests = {%(requests)s}
local n = 0
local threads = {}
local expected, flag = %(status)d, %(flag)s

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected, flagged = 0, 0
end

function request()
  n = n + 1
  return requests[n %% #requests + 1]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  elseif flag ~= nil and (headers[flag] ~= nil or headers[string.lower(flag)] ~= nil) then
    flagged = flagged + 1
  end
end

function done(summary, latency, _)
  local unexpected_total, flagged_total = 0, 0
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
    flagged_total = flagged_total + thread:get("flagged")
  end
  local e = summary.errors
  io.write(string.format(
    '\\nWRK-RESULT {"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "unexpected": %%d, '
      .. '"flagged": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    unexpected_total, flagged_total, latency:percentile(50), latency:percentile(99)))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(data: bytes) -> str:
    """``data`` as a Lua string literal (Lua's long brackets would turn CRLF into LF)."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in '"\\' or not (32 <= byte < 127):
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def raw_post(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One complete HTTP/1.1 POST, keep-alive."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def run(
    base_url: str,
    requests: list[bytes],
    *,
    seconds: float,
    connections: int,
    expected_status: int = 200,
    flag_header: str | None = None,
    warmup_seconds: float = 2.0,
) -> Result:
    """Send ``requests`` (from :func:`raw_post`) in turn for ``seconds`` after a warm-up."""
    if not available():
        raise RuntimeError(WRK_MISSING)
    script = _SCRIPT % {
        "requests": ",\n".join(_lua_string(request) for request in requests),
        "status": expected_status,
        "flag": _lua_string(flag_header.encode()) if flag_header else "nil",
    }
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        path = Path(tmp) / "requests.lua"
        path.write_text(script, encoding="utf-8")

        def wrk(duration: float) -> str:
            command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", str(path)]
            done = subprocess.run([*command, base_url], capture_output=True, text=True, check=True)
            return done.stdout

        if warmup_seconds > 0:
            wrk(warmup_seconds)
        output = wrk(seconds)
    line = next((x for x in output.splitlines() if x.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    figures = json.loads(line.removeprefix("WRK-RESULT "))
    return Result(
        url=base_url,
        requests=figures["requests"],
        errors=figures["socket_errors"] + figures["unexpected"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        flagged=figures["flagged"],
    )
