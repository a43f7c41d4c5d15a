"""GET /metrics: Prometheus scrapes it, every metric family moves the way
the requests made through boto3 say it should, no secret name, value or
key id ever appears in it, and who may scrape is what the [metrics] table
of the configuration says (docs/metrics.md).

Each test starts its own dev server, so its counts start from zero and
nothing else runs against it between two scrapes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

import smharness as h

AKID = "AKIATRESORMETRICS001"
DEV_ACCOUNT = "000000000000"


class Scrape:
    """One scrape: the raw text and every sample, by name and labels."""

    def __init__(self, text: str):
        self.text = text
        self.samples: dict = {}
        self.families: dict = {}
        for family in text_string_to_metric_families(text):
            self.families[family.name] = family.type
            for s in family.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = s.value

    def value(self, name: str, **labels) -> float:
        """A sample's value; 0 for a labelled series not exposed yet (the
        server leaves out operations never called)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def __contains__(self, name: str) -> bool:
        return any(n == name for n, _ in self.samples)


def scrape(url: str) -> Scrape:
    status, headers, body = h.http_get(url)
    assert status == 200, (status, body)
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    return Scrape(body.decode())


def moved(before: Scrape, after: Scrape, name: str, **labels) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


@pytest.fixture
def server(tmp_path):
    secret_key = secrets.token_urlsafe(30)[:40]
    proc = h.dev_server(_binary(), tmp_path, AKID, secret_key, log_name="metrics-server.log")
    proc.start()
    try:
        yield proc, h.Endpoint(proc.endpoint, AKID, secret_key)
    finally:
        proc.stop()


def _binary() -> str:
    binary = os.environ.get("TRESOR_BIN")
    if not binary:
        pytest.skip("TRESOR_BIN is not set")
    return binary


def _config(tmp_path: Path, text: str) -> list:
    path = tmp_path / "tresor.toml"
    path.write_text(textwrap.dedent(text))
    return ["--config", str(path)]


def test_every_metric_moves_with_the_requests_and_none_carries_request_data(server):
    proc, ep = server
    url = proc.endpoint + "/metrics"
    sm = h.make_client(ep)

    # Before the first scrape: a user without any permission (IAM calls of
    # its own, not counted below).
    ids = h.Identities(ep, DEV_ACCOUNT)
    nobody = ids.user("metrics-nobody")
    nobody_key = nobody.endpoint.access_key_id

    before = scrape(url)
    assert before.value("tresor_sealed") == 0
    assert before.value("tresor_secrets") == 0
    assert before.value("tresor_secrets_pending_deletion") == 0

    names = [h.unique_name(f"metrics-{i}") for i in range(3)]
    values = [f"metrics-value-{secrets.token_hex(12)}" for _ in names]
    requests = 0
    arns = []
    for name, value in zip(names, values):
        arns.append(sm.create_secret(Name=name, SecretString=value)["ARN"])
        requests += 1
    gets = 0
    for _ in range(3):
        for name, value in zip(names, values):
            assert sm.get_secret_value(SecretId=name)["SecretString"] == value
            gets += 1
    requests += gets
    missing = h.unique_name("metrics-missing")
    h.expect_error(lambda: sm.get_secret_value(SecretId=missing), "ResourceNotFoundException")
    requests += 1

    # Authentication failures: a wrong secret key (the signature does not
    # match), a key nobody issued, and no signature at all.
    wrong = h.make_client(ep.with_credentials(AKID, "x" * 40))
    h.expect_error(lambda: wrong.get_secret_value(SecretId=names[0]),
                   "InvalidSignatureException")
    unknown = h.make_client(ep.with_credentials("AKIAMETRICSUNKNOWN01", "y" * 40))
    h.expect_error(lambda: unknown.get_secret_value(SecretId=names[0]),
                   "UnrecognizedClientException")
    unsigned = urllib.request.Request(
        proc.endpoint + "/", method="POST", data=b"{}",
        headers={"Content-Type": h.JSON_CT, "X-Amz-Target": "secretsmanager.ListSecrets"})
    try:
        urllib.request.urlopen(unsigned, timeout=5)
        raise AssertionError("an unsigned request was answered")
    except urllib.error.HTTPError as e:
        assert json.loads(e.read())["__type"] == "MissingAuthenticationTokenException"
    requests += 3

    # An authorization denial.
    h.expect_error(lambda: nobody.sm.get_secret_value(SecretId=names[0]),
                   "AccessDeniedException")
    requests += 1

    # Deletions: one scheduled, one at once.
    sm.delete_secret(SecretId=names[1], RecoveryWindowInDays=7)
    sm.delete_secret(SecretId=names[2], ForceDeleteWithoutRecovery=True)
    requests += 2

    after = scrape(url)

    # Requests by operation and outcome, and their latency.
    assert moved(before, after, "tresor_requests_total",
                 operation="GetSecretValue", outcome="ok") == gets
    assert moved(before, after, "tresor_requests_total", operation="GetSecretValue",
                 outcome="ResourceNotFoundException") == 1
    assert moved(before, after, "tresor_requests_total", operation="GetSecretValue",
                 outcome="AccessDeniedException") == 1
    assert moved(before, after, "tresor_requests_total",
                 operation="CreateSecret", outcome="ok") == 3
    assert moved(before, after, "tresor_requests_total",
                 operation="DeleteSecret", outcome="ok") == 2
    # Refused before its operation was known.
    for code in ("InvalidSignatureException", "UnrecognizedClientException",
                 "MissingAuthenticationTokenException"):
        assert moved(before, after, "tresor_requests_total", operation="-", outcome=code) == 1
    assert moved(before, after, "tresor_request_duration_seconds_count",
                 operation="GetSecretValue") == gets + 2
    assert moved(before, after, "tresor_request_duration_seconds_bucket",
                 operation="GetSecretValue", le="+Inf") == gets + 2
    assert moved(before, after, "tresor_request_duration_seconds_sum",
                 operation="GetSecretValue") > 0
    assert moved(before, after, "tresor_request_duration_seconds_count", operation="-") == 3

    # Authentication failures by reason, authorization denials.
    assert moved(before, after, "tresor_auth_failures_total", reason="bad_signature") == 1
    assert moved(before, after, "tresor_auth_failures_total", reason="unknown_key") == 1
    assert moved(before, after, "tresor_auth_failures_total", reason="missing") == 1
    for reason in ("malformed", "scope", "clock_skew", "expired_token", "internal"):
        assert moved(before, after, "tresor_auth_failures_total", reason=reason) == 0
    assert moved(before, after, "tresor_authz_denials_total", operation="GetSecretValue") == 1

    # The store: writes, group commits, reads from the pool and from
    # memory, the row cache.
    assert moved(before, after, "tresor_store_write_duration_seconds_count") >= 5
    assert moved(before, after, "tresor_store_commit_batch_size_count") >= 1
    assert moved(before, after, "tresor_store_commit_batch_size_sum") >= \
        moved(before, after, "tresor_store_commit_batch_size_count")
    assert moved(before, after, "tresor_store_commit_duration_seconds_count", sync="full") >= 5
    # The events of reads commit without waiting for an fsync.
    assert moved(before, after, "tresor_store_commit_duration_seconds_count",
                 sync="relaxed") >= 1
    assert moved(before, after, "tresor_store_read_duration_seconds_count") >= 1
    assert moved(before, after, "tresor_store_memory_reads_total", result="answered") >= 1
    assert moved(before, after, "tresor_store_memory_reads_total", result="fell_back") >= 1
    assert moved(before, after, "tresor_store_cache_lookups_total",
                 cache="secret", result="hit") >= 1
    assert moved(before, after, "tresor_store_cache_lookups_total",
                 cache="secret", result="miss") >= 1
    assert moved(before, after, "tresor_store_cache_lookups_total",
                 cache="value", result="hit") >= 1

    # The audit trail: one event per answered request, none failed.
    assert moved(before, after, "tresor_audit_events_total", result="recorded") == requests
    assert moved(before, after, "tresor_audit_events_total", result="failed") == 0
    assert after.value("tresor_audit_failing") == 0

    # The state: unsealed, what is stored, what waits for deletion.
    assert after.value("tresor_sealed") == 0
    assert after.value("tresor_secrets") == 2
    assert after.value("tresor_secrets_pending_deletion") == 1
    build = [labels for (name, labels) in after.samples if name == "tresor_build_info"]
    assert len(build) == 1 and dict(build[0]).get("version"), build

    # Idle again: nothing queued, every audit event fsynced (the writer
    # syncs relaxed commits within 50 ms; polled, never timed).
    idle = h.poll(lambda: scrape(url),
                  until=lambda s: s.value("tresor_audit_unsynced_events") == 0
                  and s.value("tresor_audit_durable_lag_seconds") == 0)
    assert idle.value("tresor_audit_queue_depth") == 0
    assert idle.value("tresor_store_write_queue_depth") == 0

    # Types as Prometheus reads them.
    for family, kind in {
        "tresor_requests": "counter", "tresor_request_duration_seconds": "histogram",
        "tresor_auth_failures": "counter", "tresor_authz_denials": "counter",
        "tresor_store_write_duration_seconds": "histogram",
        "tresor_store_read_duration_seconds": "histogram",
        "tresor_store_commit_duration_seconds": "histogram",
        "tresor_store_commit_batch_size": "histogram",
        "tresor_store_cache_lookups": "counter", "tresor_store_memory_reads": "counter",
        "tresor_store_write_queue_depth": "gauge", "tresor_audit_events": "counter",
        "tresor_audit_queue_depth": "gauge", "tresor_audit_unsynced_events": "gauge",
        "tresor_audit_durable_lag_seconds": "gauge", "tresor_audit_failing": "gauge",
        "tresor_sealed": "gauge", "tresor_secrets": "gauge",
        "tresor_secrets_pending_deletion": "gauge", "tresor_build_info": "gauge",
        "tresor_start_time_seconds": "gauge",
    }.items():
        assert after.families.get(family) == kind, (family, after.families.get(family))

    # Nothing a request carried but its operation and error code.
    for text in (before.text, after.text, idle.text):
        for needle in [*names, *values, *arns, missing, AKID, ep.secret_access_key,
                       nobody_key, nobody.arn, nobody.name, "AKIAMETRICSUNKNOWN01",
                       "arn:aws"]:
            assert needle not in text, f"{needle!r} appears in /metrics"


def test_a_sealed_server_says_so(tmp_path):
    """A persistent server started with a Shamir seal stays sealed."""
    binary = _binary()
    data = tmp_path / "data"
    init = h.run_tresor(binary, "operator", "init", "--data-dir", str(data), "--seal", "shamir",
                        "--key-shares", "1", "--key-threshold", "1")
    assert init.returncode == 0, h.describe_run(init)
    proc = h.persistent_server(binary, data, tmp_path, extra_args=["--seal", "shamir"],
                               log_name="sealed-metrics.log")
    proc.start()
    try:
        sealed = scrape(proc.endpoint + "/metrics")
        assert sealed.value("tresor_sealed") == 1
        assert sealed.value("tresor_audit_failing") == 0
        assert "tresor_secrets" in sealed
    finally:
        proc.stop()


def test_a_metrics_listener_of_its_own(tmp_path):
    port = h.free_port()
    proc = h.dev_server(_binary(), tmp_path, AKID, "z" * 40, log_name="listener.log",
                        extra_args=_config(tmp_path, f"""
                            [metrics]
                            listen = "127.0.0.1:{port}"
                        """))
    proc.start()
    try:
        metrics = scrape(f"http://127.0.0.1:{port}/metrics")
        assert metrics.value("tresor_sealed") == 0
        # The metrics listener serves nothing else...
        status, _, body = h.http_get(f"http://127.0.0.1:{port}/health")
        assert status == 404 and json.loads(body)["__type"] == "UnknownOperationException"
        # ...and the main listener no longer serves /metrics.
        status, _, body = h.http_get(proc.endpoint + "/metrics")
        assert status == 404 and json.loads(body)["__type"] == "UnknownOperationException"
    finally:
        proc.stop()


def test_metrics_can_be_turned_off(tmp_path):
    proc = h.dev_server(_binary(), tmp_path, AKID, "z" * 40, log_name="off.log",
                        extra_args=_config(tmp_path, """
                            [metrics]
                            enabled = false
                        """))
    proc.start()
    try:
        status, _, body = h.http_get(proc.endpoint + "/metrics")
        assert status == 404 and json.loads(body)["__type"] == "UnknownOperationException"
    finally:
        proc.stop()


def test_a_contradictory_metrics_table_stops_the_start(tmp_path):
    args = _config(tmp_path, """
        [metrics]
        allow = "any"
        listen = "127.0.0.1:9100"
    """)
    out = subprocess.run([_binary(), "server", "--dev", "--listen", "127.0.0.1:0", *args],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "[metrics] allow" in out.stderr, out.stderr


# Run inside a network namespace of its own (made by `unshare -n`), where
# 10.213.0.1 is an address of its loopback interface but not a loopback
# address: a connection to it has a non-loopback peer, and no packet
# leaves the namespace.
_IN_NAMESPACE = r"""
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import smharness as h
binary, allow = sys.argv[2], sys.argv[3]
work = Path(tempfile.mkdtemp())
args = []
if allow:
    (work / "tresor.toml").write_text(f'[metrics]\nallow = "{allow}"\n')
    args = ["--config", str(work / "tresor.toml")]
port = h.free_port()
proc = h.ServerProcess([binary, "server", "--dev", "--listen", f"0.0.0.0:{port}", *args],
                       port, work / "server.log", work)
proc.start()
try:
    result = {}
    for peer in ("127.0.0.1", "10.213.0.1"):
        for path in ("/health", "/metrics"):
            status, _, body = h.http_get(f"http://{peer}:{port}{path}")
            result[f"{peer}{path}"] = [status, body.decode()]
    print(json.dumps(result))
finally:
    proc.stop()
"""


def _from_another_host(allow: str) -> dict:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip to make a network namespace")
    setup = subprocess.run(["unshare", "-n", "sh", "-c",
                            "ip link set lo up && ip addr add 10.213.0.1/32 dev lo"],
                           capture_output=True, text=True)
    if setup.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {setup.stderr.strip()}")
    out = subprocess.run(
        ["unshare", "-n", "sh", "-c",
         'ip link set lo up && ip addr add 10.213.0.1/32 dev lo && exec "$@"', "sh",
         sys.executable, "-c", _IN_NAMESPACE, str(Path(h.__file__).parent), _binary(), allow],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_by_default_only_loopback_peers_may_scrape():
    result = _from_another_host("")
    assert result["10.213.0.1/health"][0] == 200, "the other host reaches the server"
    assert result["127.0.0.1/metrics"][0] == 200
    status, body = result["10.213.0.1/metrics"]
    assert status == 403, result
    error = json.loads(body)
    assert error["__type"] == "AccessDeniedException"
    assert 'allow = "any"' in error["message"]
    assert "tresor_" not in body


def test_allow_any_lets_other_hosts_scrape():
    result = _from_another_host("any")
    status, body = result["10.213.0.1/metrics"]
    assert status == 200, result
    assert "tresor_sealed 0" in body
