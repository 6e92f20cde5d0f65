#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""aiohttp's web server for the http_server case: every request gets 200 and
"Hello, World!", until SIGTERM (bench/peers/wrk/serve_and_wrk.py drives it).

Usage: aiohttp_server.py http_server <N> --port P
"""
import argparse

from aiohttp import web


async def hello(_request):
    return web.Response(text="Hello, World!")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("n", type=int)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    app = web.Application()
    app.router.add_get("/", hello)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
