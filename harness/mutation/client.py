"""mutmut's test command when the warm server runs: ask it for a verdict, exit with it.

    python -S harness/mutation/client.py --socket PATH -- <plain test command>

exits 1 (killed) or 0 (survived), as the server says. mutmut runs it once per mutant, so it
imports nothing but the standard library and is started without `site` (`-S`): a few
milliseconds instead of tens. mutmut kills it when a mutant times out; the server sees the
connection close and kills the test run. If the server cannot be reached, the client runs the
plain command given after `--` instead, so a verdict is never invented.
"""

import json
import os
import socket
import sys


def ask(socket_path: str) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(socket_path)
        connection.sendall(b"run\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                raise ConnectionError(
                    "the server closed the connection without a verdict"
                )
            answer += chunk
    return int(json.loads(answer)["exit"])


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[0] != "--socket" or argv[2] != "--":
        print("usage: client.py --socket PATH -- <plain test command>", file=sys.stderr)
        return 2
    socket_path, fallback = argv[1], argv[3:]
    try:
        return ask(socket_path)
    except (OSError, ValueError, KeyError) as error:
        print(
            f"harness mutants: warm runner unavailable ({error}); running the plain command",
            file=sys.stderr,
        )
        try:
            os.execv(fallback[0], fallback)
        except OSError as failure:
            print(
                f"harness mutants: cannot run {fallback[0]!r}: {failure}",
                file=sys.stderr,
            )
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
