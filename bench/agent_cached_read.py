#!/usr/bin/env python3
"""Cached-read throughput of `tresor agent` (the AWS Secrets Manager Agent
contract) against a running Tresor.

Seeds --secrets secrets, starts `tresor agent` on a free loopback port,
reads each secret once through it (so the cache is warm), then drives
`GET /secretsmanager/get?secretId=<random seeded secret>` with the SSRF
token header using `wrk` (HTTP/1.1 keep-alive) at several concurrencies.
Every answer is a cache hit: this measures the agent, not the server.

    python3 bench/agent_cached_read.py --tresor target/release/tresor

Uses AWS_ENDPOINT_URL and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (e.g.
`tresor server --dev`). Needs boto3 and wrk. Prints a Markdown table for
docs/performance.md.
"""

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3

REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lua(names, token):
    quoted = ",".join(json.dumps(n) for n in names)
    return f"""
local ids = {{{quoted}}}
local headers = {{["X-Aws-Parameters-Secrets-Token"] = {json.dumps(token)}}}
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/secretsmanager/get?secretId=" .. ids[math.random(#ids)], headers)
end
"""


def run_wrk(url, script, connections, seconds):
    out = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "--latency", "-s", script, url],
        check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"the agent refused requests:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    return rps, p50, p99


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tresor", default="target/release/tresor")
    parser.add_argument("--secrets", type=int, default=100)
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()

    sm = boto3.client("secretsmanager", region_name=REGION)
    names = [f"bench/agent/{i:04d}" for i in range(args.secrets)]
    for name in names:
        try:
            sm.create_secret(Name=name, SecretString=json.dumps(
                {"username": "app", "password": secrets.token_urlsafe(24), "host": "db"}))
        except sm.exceptions.ResourceExistsException:
            pass

    token = secrets.token_hex(16)
    port = free_port()
    agent = subprocess.Popen(
        [args.tresor, "agent", "--port", str(port), "--log-level", "warn"],
        env=dict(os.environ, AWS_TOKEN=token), stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        for name in names:
            request = urllib.request.Request(f"{url}/secretsmanager/get?secretId={name}",
                                             headers={"X-Aws-Parameters-Secrets-Token": token})
            urllib.request.urlopen(request, timeout=10).read()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(lua(names, token))
            script = f.name
        try:
            print(f"agent cached reads, {len(names)} secrets\n")
            print("| connections | requests/s | p50 | p99 |\n|---|---|---|---|")
            for c in (int(x) for x in args.connections.split(",")):
                rps, p50, p99 = run_wrk(url + "/", script, c, args.seconds)
                print(f"| {c} | {rps:,.0f} | {p50} | {p99} |")
        finally:
            os.unlink(script)
        metrics = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
        misses = re.search(r"tresor_agent_cache_misses_total (\d+)", metrics).group(1)
        print(f"\ncache misses during the run: {int(misses) - len(names)}")
    finally:
        agent.terminate()
        agent.wait()


if __name__ == "__main__":
    main()
