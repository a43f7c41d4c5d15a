"""Fixtures of the boto3 / AWS CLI compatibility suite.

One dev-mode server per session (`$TRESOR_BIN server --dev ...`); tests that
need persistent mode start their own. Every test uses fresh secret names, so
tests are independent and can run in any order.

Environment:
  TRESOR_BIN               the `tresor` binary (required)
  TRESOR_COMPAT_ENDPOINT   debugging only: use an already running endpoint
                           instead of starting TRESOR_BIN (with
                           TRESOR_COMPAT_ACCESS_KEY_ID / _SECRET_ACCESS_KEY);
                           persistent-mode tests are then skipped.
"""

from __future__ import annotations

import json
import os
import secrets as _secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

import canaries
import smharness as h

# Isolate boto3 and the CLI from the developer's ~/.aws and AWS_* settings:
# the config and credentials files point to paths that do not exist.
_NO_AWS_FILES = Path(tempfile.gettempdir()) / f"tresor-compat-no-aws-files-{os.getpid()}"
for _var in list(os.environ):
    if _var.startswith("AWS_"):
        del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = str(_NO_AWS_FILES / "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_NO_AWS_FILES / "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

DEV_ACCESS_KEY_ID = "AKIATRESORCOMPAT0001"
DEV_SECRET_ACCESS_KEY = _secrets.token_urlsafe(30)[:40]
canaries.note(DEV_SECRET_ACCESS_KEY, "dev secret access key")


def tresor_bin() -> str | None:
    return os.environ.get("TRESOR_BIN")


def external_endpoint() -> str | None:
    return os.environ.get("TRESOR_COMPAT_ENDPOINT")


def pytest_report_header(config):
    if external_endpoint():
        return f"tresor compat: external endpoint {external_endpoint()} (debug mode)"
    return f"tresor compat: TRESOR_BIN={tresor_bin()}"


_CANARY_SCAN: list = []


def pytest_sessionfinish(session, exitstatus):
    """No secret value, key, token or signature any client of the session
    sent or received is in the log of a server the session started
    (canaries.py). A hit fails the session."""
    hits, summary = canaries.scan_logs()
    _CANARY_SCAN[:] = [summary, *hits]
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not _CANARY_SCAN:
        return
    summary, *hits = _CANARY_SCAN
    terminalreporter.write_line(summary)
    if hits:
        terminalreporter.write_sep("=", "SECRETS IN SERVER LOGS", red=True, bold=True)
        for hit in hits:
            terminalreporter.write_line(hit)


@pytest.fixture(scope="session")
def server_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tresor")


@pytest.fixture(scope="session")
def endpoint(server_workdir) -> h.Endpoint:
    """The session's dev-mode server."""
    url = external_endpoint()
    if url:
        yield h.Endpoint(
            url.rstrip("/"),
            os.environ.get("TRESOR_COMPAT_ACCESS_KEY_ID", "testing"),
            os.environ.get("TRESOR_COMPAT_SECRET_ACCESS_KEY", "testing"),
        )
        return
    binary = tresor_bin()
    if not binary:
        pytest.exit("TRESOR_BIN is not set: point it at the tresor binary "
                    "(see tests/compat/README.md)", returncode=4)
    if not os.access(binary, os.X_OK):
        pytest.exit(f"TRESOR_BIN={binary} is not an executable file", returncode=4)
    server = h.dev_server(binary, server_workdir, DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY)
    server.start()
    try:
        ep = h.Endpoint(server.endpoint, DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY)
        yield ep
        check_every_answer_was_audited(binary, ep, server_workdir)
    finally:
        server.stop()


def check_every_answer_was_audited(binary: str, ep: h.Endpoint, workdir: Path) -> None:
    """Every answer the session's boto3 clients got from the session server
    — success or error — left exactly one event in its audit trail, and the
    exported trail verifies."""
    answered = [rid for url, rid in h.ANSWERED if url == ep.url]
    assert answered, "no boto3 answers were noted"
    env = dict(os.environ, AWS_ENDPOINT_URL=ep.url, AWS_ACCESS_KEY_ID=ep.access_key_id,
               AWS_SECRET_ACCESS_KEY=ep.secret_access_key, AWS_DEFAULT_REGION=h.DEFAULT_REGION)
    path = workdir / "session-audit.jsonl"
    out = subprocess.run([binary, "audit", "export", "--output", str(path)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    counts: dict = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if "seq" in entry:
            rid = entry["event"]["requestID"]
            counts[rid] = counts.get(rid, 0) + 1
    missing = [rid for rid in answered if counts.get(rid, 0) == 0]
    doubled = [rid for rid in answered if counts.get(rid, 0) > 1]
    assert not missing and not doubled, (
        f"of {len(answered)} answers, {len(missing)} left no audit event "
        f"(e.g. {missing[:3]}) and {len(doubled)} more than one")
    key = subprocess.run([binary, "audit", "public-key"], env=env, capture_output=True,
                         text=True, timeout=60).stdout.strip()
    verified = subprocess.run([binary, "audit", "verify", str(path), "--public-key", key],
                              env=env, capture_output=True, text=True, timeout=600)
    assert verified.returncode == 0, verified.stderr + verified.stdout


@pytest.fixture(scope="session")
def client_for(endpoint):
    """client_for(region) -> a cached boto3 client for that region."""
    cache = {}

    def get(region: str = h.DEFAULT_REGION, validate: bool = True):
        key = (region, validate)
        if key not in cache:
            cache[key] = h.make_client(endpoint, region, validate=validate)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def kms_for(endpoint):
    """kms_for(region, validate=True) -> a cached boto3 `kms` client on the
    same endpoint and with the same credentials as the Secrets Manager
    clients (Tresor serves both APIs on one endpoint)."""
    cache = {}

    def get(region: str = h.DEFAULT_REGION, validate: bool = True):
        key = (region, validate)
        if key not in cache:
            cache[key] = h.make_client(endpoint, region, validate=validate, service="kms")
        return cache[key]

    return get


@pytest.fixture(scope="session")
def kms(kms_for):
    """boto3 kms client, us-east-1."""
    return kms_for(h.DEFAULT_REGION)


@pytest.fixture(scope="session")
def kms_raw_params(kms_for):
    """kms client without client-side parameter validation."""
    return kms_for(h.DEFAULT_REGION, validate=False)


@pytest.fixture
def key(kms, request) -> dict:
    """A fresh symmetric customer managed key: its KeyMetadata."""
    return kms.create_key(Description=f"compat-{h.RUN_ID}/{request.node.name}")["KeyMetadata"]


@pytest.fixture
def alias_name(request) -> str:
    return h.unique_alias(request.node.name)


@pytest.fixture
def kms_account(key) -> str:
    return key["AWSAccountId"]


@pytest.fixture(scope="session")
def sm(client_for):
    """boto3 client, us-east-1."""
    return client_for(h.DEFAULT_REGION)


@pytest.fixture(scope="session")
def sm_raw_params(client_for):
    """boto3 client without client-side parameter validation, so model
    violations (too short, missing members) reach the server."""
    return client_for(h.DEFAULT_REGION, validate=False)


@pytest.fixture(scope="session")
def raw(endpoint) -> h.RawClient:
    return h.RawClient(endpoint)


@pytest.fixture
def name(request) -> str:
    return h.unique_name(request.node.name)


@pytest.fixture
def secret(sm, name) -> dict:
    """A fresh secret with one string version; returns the CreateSecret
    response plus the value under "Value"."""
    tok = h.token()
    resp = sm.create_secret(Name=name, SecretString="initial-value", ClientRequestToken=tok)
    assert resp["VersionId"] == tok
    return {"ARN": resp["ARN"], "Name": resp["Name"], "VersionId": tok, "Value": "initial-value"}


@pytest.fixture
def account_id(secret) -> str:
    return h.account_of(secret["ARN"])


@pytest.fixture
def persistent_supported():
    if not tresor_bin():
        pytest.skip("persistent-mode tests need TRESOR_BIN (not available with an external endpoint)")
    return tresor_bin()


# ---------------------------------------------------------------- access control


@pytest.fixture(scope="session")
def account(endpoint) -> str:
    """The account of the session server (dev mode: 000000000000)."""
    return h.account_of_endpoint(endpoint)


@pytest.fixture(scope="session")
def root(endpoint, account) -> h.Principal:
    """The dev server's fixed credentials: the account root."""
    return h.Principal(h.root_arn(account), endpoint)


@pytest.fixture(scope="session")
def iam(endpoint):
    """boto3 iam client as the account root."""
    return h.make_client(endpoint, service="iam")


@pytest.fixture(scope="session")
def iam_raw_params(endpoint):
    return h.make_client(endpoint, service="iam", validate=False)


@pytest.fixture(scope="session")
def sts(endpoint):
    """boto3 sts client as the account root."""
    return h.make_client(endpoint, service="sts")


@pytest.fixture
def ids(endpoint, account):
    """Creates IAM users/groups/roles/policies for one test and deletes them
    afterwards (h.Identities)."""
    identities = h.Identities(endpoint, account)
    yield identities
    identities.cleanup()
