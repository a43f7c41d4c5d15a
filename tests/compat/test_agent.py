"""`tresor agent`: the AWS Secrets Manager Agent's HTTP contract, byte for
byte (bodies, status codes, refusals), a cache the change feed keeps true,
Prometheus metrics, and an encrypted disk cache that serves the last good
value — marked stale — while the server is down."""

from __future__ import annotations

import http.client
import json
import os
import secrets as _secrets
import stat
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

import canaries
import smharness as h
from test_exec import env_for

TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"


class Agent:
    """One `tresor agent` process on a free loopback port."""

    def __init__(self, endpoint: h.Endpoint, workdir: Path, *args: str,
                 token: str | None = None, config: str | None = None):
        self.port = h.free_port()
        self.token = token or _secrets.token_hex(16)
        self.log_path = workdir / f"agent-{self.port}.log"
        argv = [os.environ["TRESOR_BIN"], "agent", "--port", str(self.port),
                "--log-level", h.TEST_LOG_LEVEL, *args]
        if config is not None:
            path = workdir / f"agent-{self.port}.toml"
            path.write_text(config)
            argv += ["--config", str(path)]
        env = env_for(endpoint, AWS_TOKEN=self.token)
        canaries.note_log(self.log_path)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"agent exited\n{self.log()}"
            try:
                if self.get("/ping", token=None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"agent did not answer /ping\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, *, token: str | None = "default", method: str = "GET",
            headers: dict | None = None) -> tuple:
        """(status, headers (lower-case), body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if token == "default":
            token = self.token
        if token is not None:
            sent[TOKEN_HEADER] = token
        conn.request(method, path, headers=sent)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def secret(self, secret_id: str, **params) -> tuple:
        query = urllib.parse.urlencode({"secretId": secret_id, **params})
        return self.get(f"/secretsmanager/get?{query}")

    def metric(self, name: str) -> float:
        status, _, body = self.get("/metrics", token=None)
        assert status == 200
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"{name} not in /metrics:\n{body.decode()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self._log.close()


@pytest.fixture
def agents(endpoint, tmp_path):
    started = []

    def start(*args, ep=None, **kwargs) -> Agent:
        agent = Agent(ep or endpoint, tmp_path, *args, **kwargs)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()


def expected_body(endpoint, secret_id: str, **params) -> bytes:
    """The AWS agent's body for the server's GetSecretValue answer: its
    field order, no spaces, CreatedDate as a string of epoch seconds."""
    request = {"SecretId": secret_id, **params}
    answer = h.RawClient(endpoint).call("GetSecretValue", request).json
    created = answer["CreatedDate"]
    created = str(int(created)) if float(created).is_integer() else repr(float(created))
    fields = {"ARN": answer["ARN"], "Name": answer["Name"], "VersionId": answer["VersionId"]}
    for optional in ("SecretString", "SecretBinary", "VersionStages"):
        if optional in answer:
            fields[optional] = answer[optional]
    fields["CreatedDate"] = created
    return json.dumps(fields, separators=(",", ":")).encode()


def test_an_aws_agent_client_gets_the_same_answers(endpoint, agents):
    """The AWS documentation's client code, unchanged but for the port."""
    sm = h.make_client(endpoint)
    name = h.unique_name("agent/db")
    sm.create_secret(Name=name, SecretString=json.dumps({"password": "pw-1"}))
    sm.put_secret_value(SecretId=name, SecretString=json.dumps({"password": "pw-2"}))
    binary = h.unique_name("agent/bin")
    sm.create_secret(Name=binary, SecretBinary=b"\x00\x01\xfe")
    agent = agents()

    status, headers, body = agent.secret(name)
    assert status == 200, body
    assert body == expected_body(endpoint, name)
    assert json.loads(body)["SecretString"] == '{"password": "pw-2"}'
    assert "content-type" not in headers, "the AWS agent sends no content type"

    # The path form, a stage, a version id, a binary secret, an ARN.
    assert agent.get(f"/v1/{name}")[2] == body
    previous = agent.get(f"/v1/{name}?versionStage=AWSPREVIOUS")[2]
    assert previous == expected_body(endpoint, name, VersionStage="AWSPREVIOUS")
    version = json.loads(previous)["VersionId"]
    assert agent.secret(name, versionId=version)[2] == expected_body(
        endpoint, name, VersionId=version)
    assert agent.secret(binary)[2] == expected_body(endpoint, binary)
    arn = json.loads(body)["ARN"]
    assert agent.secret(arn)[2] == expected_body(endpoint, arn)
    # X-Vault-Token is the AWS agent's second token header.
    status, _, via_vault = agent.get(f"/v1/{name}", token=None,
                                     headers={"X-Vault-Token": agent.token})
    assert status == 200 and via_vault == body


def test_refusals_are_the_aws_agents(endpoint, agents):
    sm = h.make_client(endpoint)
    name = h.unique_name("agent/refuse")
    sm.create_secret(Name=name, SecretString="v")
    agent = agents()
    path = f"/secretsmanager/get?secretId={name}"
    cases = [
        (dict(path="/ping", token=None), 200, b"healthy"),
        (dict(path=path, token=None), 403, b"Bad Token"),
        (dict(path=path, token="wrong"), 403, b"Bad Token"),
        (dict(path=path, headers={"X-Forwarded-For": "10.0.0.1"}), 400, b"Forwarded"),
        (dict(path=path, method="POST"), 405, b"Not allowed"),
        # The token is checked before the method, as the AWS agent does.
        (dict(path=path, method="POST", token=None), 403, b"Bad Token"),
        (dict(path="/ping", method="POST", token=None), 405, b"Not allowed"),
        (dict(path="/nope"), 404, b"Not found"),
        (dict(path=path + "&abc=1"), 400, b"unknown parameter: abc"),
        (dict(path="/secretsmanager/get?versionStage=AWSCURRENT"), 400,
         b"missing parameter secretId"),
        (dict(path=path + "&refreshNow=maybe"), 400, b"invalid refreshNow value"),
        (dict(path="/v1/"), 400, b"missing secret ID"),
    ]
    for kwargs, status, body in cases:
        got = agent.get(**kwargs)
        assert (got[0], got[2]) == (status, body), kwargs

    # A service error keeps its status, as {"__type", "message"}.
    missing = h.unique_name("agent/missing")
    raw = h.RawClient(endpoint).call("GetSecretValue", {"SecretId": missing})
    status, _, body = agent.secret(missing)
    assert status == raw.status == 400
    assert body == ('{"__type":"ResourceNotFoundException", "message":%s}'
                    % json.dumps(raw.message)).encode()
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=False)
    status, _, body = agent.secret(name, refreshNow="true")
    assert status == 400 and json.loads(body)["__type"] == "InvalidRequestException", body
    assert agent.metric('tresor_agent_errors_total{kind="service"}') >= 2


def test_a_change_reaches_the_cache_at_once(endpoint, agents):
    """TTL 300 s: only the change feed can make the new value visible."""
    sm = h.make_client(endpoint)
    name = h.unique_name("agent/feed")
    sm.create_secret(Name=name, SecretString="v1")
    other = h.unique_name("agent/other")
    sm.create_secret(Name=other, SecretString="o1")
    agent = agents("--ttl-seconds", "300")
    value = lambda s=name: json.loads(agent.secret(s)[2])["SecretString"]  # noqa: E731
    assert value() == "v1" and value(other) == "o1"
    hits = agent.metric("tresor_agent_cache_hits_total")
    assert value() == "v1"
    assert agent.metric("tresor_agent_cache_hits_total") == hits + 1, "served from the cache"

    for change, expected in [
        (lambda: sm.put_secret_value(SecretId=name, SecretString="v2"), "v2"),
        # A rotation-style label move is a change too.
        (lambda: sm.update_secret_version_stage(
            SecretId=name, VersionStage="AWSCURRENT",
            MoveToVersionId=sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")[
                "VersionId"],
            RemoveFromVersionId=sm.get_secret_value(SecretId=name)["VersionId"]), "v1"),
    ]:
        # Wait until the agent follows the secret (its feed is up).
        h.poll(lambda: agent.metric("tresor_agent_change_feed_up"), lambda up: up == 1)
        started = time.monotonic()
        change()
        seen = h.poll(value, lambda v: v == expected, timeout=10)
        assert seen == expected
        print(f"change visible through the agent after {time.monotonic() - started:.3f} s")
    assert value(other) == "o1"
    assert agent.metric("tresor_agent_invalidations_total") >= 2


def test_the_encrypted_disk_cache_serves_while_the_server_is_down(tmp_path, agents):
    binary = os.environ["TRESOR_BIN"]
    akid, secret = "AKIAAGENTDISKTEST001", _secrets.token_urlsafe(30)[:40]
    server = h.dev_server(binary, tmp_path, akid, secret, log_name="agent-server.log").start()
    ep = h.Endpoint(server.endpoint, akid, secret)
    try:
        sm = h.make_client(ep)
        name = h.unique_name("agent/disk")
        canary = "disk-canary-" + _secrets.token_hex(8)
        sm.create_secret(Name=name, SecretString=canary)
        cache = tmp_path / "agent.cache"
        agent = agents("--cache-file", str(cache), ep=ep)
        status, _, fresh = agent.secret(name)
        assert status == 200 and canary.encode() in fresh
        agent.stop()  # saves the cache on the way out
    finally:
        server.stop()

    assert cache.exists() and canary.encode() not in cache.read_bytes()
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(cache) + ".key").st_mode) == 0o600

    agent = agents("--cache-file", str(cache), ep=ep)
    status, headers, body = agent.secret(name)
    assert status == 200 and body == fresh, body
    assert headers.get("x-tresor-stale") == "true" and int(headers["age"]) >= 0
    assert agent.metric("tresor_agent_stale_answers_total") == 1
    # A secret never cached cannot be served: the AWS agent's 502.
    status, _, body = agent.secret(h.unique_name("agent/never"))
    assert (status, body) == (502, b'{"__type":"ConnectionError", "message":"Read Error"}')
    agent.stop()

    # A flipped byte: the file is refused, never served.
    raw = bytearray(cache.read_bytes())
    raw[-1] ^= 1
    cache.write_bytes(bytes(raw))
    agent = agents("--cache-file", str(cache), ep=ep)
    assert agent.secret(name)[0] == 502
    assert "disk cache refused" in agent.log()
    assert canary not in agent.log()


def test_the_aws_agents_config_file_and_connection_limit(endpoint, agents):
    sm = h.make_client(endpoint)
    name = h.unique_name("agent/conf")
    sm.create_secret(Name=name, SecretString="c")
    # The AWS agent's own file, with its string-typed numbers.
    agent = agents(config='ttl_seconds = "60"\ncache_size = "10"\nmax_conn = "1"\n'
                          'ssrf_headers = ["X-My-Token"]\nvalidate_credentials = false\n')

    def hold():
        """A kept-alive connection that got its answer (the start-up
        ping's connection may still be closing)."""
        conn = http.client.HTTPConnection("127.0.0.1", agent.port, timeout=30)
        conn.request("GET", f"/v1/{name}", headers={"X-My-Token": agent.token})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            conn.close()
        return conn, response.status

    held, status = h.poll(hold, lambda r: r[1] == 200)
    assert status == 200
    # One connection is open: a second is over the limit, except for /ping.
    status, _, body = agent.get(f"/v1/{name}", token=None, headers={"X-My-Token": agent.token})
    assert (status, body) == (429, b"Connection limit exceeded")
    assert agent.get("/ping", token=None)[0] == 200
    held.close()
    status = h.poll(lambda: agent.get(f"/v1/{name}", token=None,
                                      headers={"X-My-Token": agent.token})[0],
                    lambda s: s == 200)
    assert status == 200
    # The default header is not accepted once the file names its own (the
    # poll's last connection may still be closing: wait out a 429).
    status = h.poll(lambda: agent.get(f"/v1/{name}")[0], lambda s: s != 429)
    assert status == 403


def test_the_agent_refuses_to_start_without_a_token_or_off_loopback(endpoint, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    env = env_for(endpoint)
    for name in ("AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"):
        env.pop(name, None)
    run = subprocess.run([binary, "agent", "--port", str(h.free_port())], env=env,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "SSRF token" in run.stderr, run.stderr
    config = tmp_path / "wide.toml"
    config.write_text('http_address = "0.0.0.0"\n')
    run = subprocess.run([binary, "agent", "--config", str(config)],
                         env=dict(env, AWS_TOKEN="t"), capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "loopback" in run.stderr, run.stderr
