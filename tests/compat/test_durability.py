"""Persistent mode: first start, restart after SIGTERM, and a crash (SIGKILL)
in the middle of concurrent writes. Each test runs its own server on its own
data directory."""

import os
import stat
import threading
import time

import pytest

import smharness as h

pytestmark = pytest.mark.persistent


class Persistent:
    """A persistent-mode server that can be stopped, killed and restarted on
    the same data directory."""

    def __init__(self, binary, data_dir, workdir):
        self.binary = binary
        self.data_dir = data_dir
        self.workdir = workdir
        self.server = None
        self.ep = None

    def start(self):
        self.server = h.persistent_server(self.binary, self.data_dir, self.workdir).start()
        akid, secret = h.read_admin_credentials(self.data_dir)
        self.ep = h.Endpoint(self.server.endpoint, akid, secret)
        return self

    def client(self, region=h.DEFAULT_REGION, **kwargs):
        return h.make_client(self.ep, region, **kwargs)

    def stop(self):
        return self.server.stop()

    def kill(self):
        self.server.kill()

    def close(self):
        if self.server is not None:
            self.server.kill()


@pytest.fixture
def persistent(persistent_supported, tmp_path):
    p = Persistent(persistent_supported, tmp_path / "data", tmp_path)
    yield p
    p.close()


def test_first_start_writes_admin_credentials(persistent):
    persistent.start()
    path = persistent.data_dir / "admin-credentials"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o600, oct(mode)
    akid, secret = h.read_admin_credentials(persistent.data_dir)  # [default] section
    assert akid and secret
    sm = persistent.client()
    assert "SecretList" in sm.list_secrets()


def test_restart_keeps_secrets_versions_and_metadata(persistent):
    persistent.start()
    creds_before = (persistent.data_dir / "admin-credentials").read_bytes()
    sm = persistent.client()
    account = None

    text = h.unique_name("restart-text")
    v1, v2 = h.token(), h.token()
    created = sm.create_secret(Name=text, SecretString="first", ClientRequestToken=v1,
                               Description="survives restarts", Tags=[{"Key": "k", "Value": "v"}])
    account = h.account_of(created["ARN"])
    sm.put_secret_value(SecretId=text, SecretString="second", ClientRequestToken=v2,
                        VersionStages=["AWSCURRENT", "CUSTOM"])
    sm.put_resource_policy(SecretId=text, ResourcePolicy=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
        f'"arn:aws:iam::{account}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}'))

    binary = h.unique_name("restart-binary")
    blob = bytes(range(256))
    sm.create_secret(Name=binary, SecretBinary=blob)

    empty = h.unique_name("restart-empty")
    sm.create_secret(Name=empty)

    scheduled = h.unique_name("restart-scheduled")
    sm.create_secret(Name=scheduled, SecretString="doomed")
    sm.delete_secret(SecretId=scheduled, RecoveryWindowInDays=7)

    forced = h.unique_name("restart-forced")
    sm.create_secret(Name=forced, SecretString="gone")
    sm.delete_secret(SecretId=forced, ForceDeleteWithoutRecovery=True)

    states = {sid: h.state_of(sm, sid) for sid in (text, binary, empty, scheduled)}

    assert persistent.stop() == 0, "tresor should exit 0 after SIGTERM"
    persistent.start()
    assert (persistent.data_dir / "admin-credentials").read_bytes() == creds_before
    sm = persistent.client()

    for sid, state in states.items():
        assert h.state_of(sm, sid) == state, sid
    assert sm.get_secret_value(SecretId=text)["SecretString"] == "second"
    assert sm.get_secret_value(SecretId=text, VersionId=v1)["SecretString"] == "first"
    assert sm.get_secret_value(SecretId=text, VersionStage="CUSTOM")["VersionId"] == v2
    assert sm.get_secret_value(SecretId=created["ARN"])["ARN"] == created["ARN"]
    assert sm.get_secret_value(SecretId=binary)["SecretBinary"] == blob
    h.expect_error(lambda: sm.get_secret_value(SecretId=empty), "ResourceNotFoundException",
                   h.msg_no_stage("AWSCURRENT"))
    h.expect_error(lambda: sm.get_secret_value(SecretId=scheduled), "InvalidRequestException",
                   h.MSG_MARKED_FOR_DELETION)
    h.expect_error(lambda: sm.describe_secret(SecretId=forced), "ResourceNotFoundException")

    # Idempotency tokens survive too.
    retry = sm.put_secret_value(SecretId=text, SecretString="second", ClientRequestToken=v2)
    assert retry["VersionId"] == v2
    h.expect_error(lambda: sm.put_secret_value(SecretId=text, SecretString="other", ClientRequestToken=v2),
                   "ResourceExistsException", h.msg_token_in_use(v2, created["ARN"]))
    # And the restarted server takes new writes.
    sm.restore_secret(SecretId=scheduled)
    assert sm.get_secret_value(SecretId=scheduled)["SecretString"] == "doomed"
    v3 = h.token()
    sm.put_secret_value(SecretId=text, SecretString="third", ClientRequestToken=v3)
    assert sm.get_secret_value(SecretId=text)["VersionId"] == v3


def test_secret_names_and_regions_survive_restart(persistent):
    persistent.start()
    name = h.unique_name("restart-region")
    eu = persistent.client("eu-west-1")
    arn = eu.create_secret(Name=name, SecretString="eu value")["ARN"]
    assert persistent.stop() == 0
    persistent.start()
    eu = persistent.client("eu-west-1")
    assert eu.get_secret_value(SecretId=name)["ARN"] == arn
    h.expect_error(lambda: persistent.client().describe_secret(SecretId=name), "ResourceNotFoundException")


WRITERS = 4
MAX_PUTS_PER_WRITER = 60  # stays below the ~100 versions per secret quota
KILL_AFTER_ACKS = 40


def test_kill_9_loses_no_acknowledged_write(persistent):
    persistent.start()
    setup = persistent.client()
    names = [h.unique_name(f"crash-{i}") for i in range(WRITERS)]
    seeds = {}
    for n in names:
        seeds[n] = setup.create_secret(Name=n, SecretString="seed")["VersionId"]

    acked = {n: [] for n in names}       # (token, value) acknowledged with HTTP 200
    in_flight = {n: None for n in names}  # the request outstanding when the server died
    failures = {}                       # writer -> why it stopped
    wrong = {}                          # writer -> acknowledged with another VersionId
    lock = threading.Lock()
    enough = threading.Event()

    def writer(n):
        client = persistent.client(read_timeout=10)
        for i in range(MAX_PUTS_PER_WRITER):
            tok = h.token()
            value = f"{n}#{i}#{tok}"
            in_flight[n] = (tok, value)
            try:
                resp = client.put_secret_value(SecretId=n, SecretString=value, ClientRequestToken=tok)
            except Exception as e:  # the server went away
                failures[n] = repr(e)
                return
            if resp["VersionId"] != tok:
                wrong[n] = (tok, resp["VersionId"])
                return
            with lock:
                acked[n].append((tok, value))
                in_flight[n] = None
                if sum(len(a) for a in acked.values()) >= KILL_AFTER_ACKS:
                    enough.set()

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in names]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while not enough.is_set() and any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        enough.wait(0.05)
    persistent.kill()  # kill -9 while the writers are still going
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "writer thread hung after the server was killed"

    assert not wrong, f"PutSecretValue answered another VersionId than its token: {wrong}"
    total = sum(len(a) for a in acked.values())
    assert total >= 1, f"no write was acknowledged before the kill: {failures}"

    persistent.start()
    sm = persistent.client()
    for n in names:
        for tok, value in acked[n]:
            got = sm.get_secret_value(SecretId=n, VersionId=tok)
            assert got["SecretString"] == value, (n, tok)
            assert got["VersionId"] == tok
        pending = in_flight[n]
        if pending is not None:
            # Unacknowledged: may or may not exist, but never torn.
            tok, value = pending
            try:
                got = sm.get_secret_value(SecretId=n, VersionId=tok)
                assert got["SecretString"] == value
            except h.ClientError as e:
                assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
        # AWSCURRENT is the last acknowledged write or the one in flight.
        current = sm.get_secret_value(SecretId=n)
        last = acked[n][-1][0] if acked[n] else seeds[n]
        candidates = {last} | ({pending[0]} if pending else set())
        assert current["VersionId"] in candidates, (n, current["VersionId"], candidates)
        # Exactly one version carries each of AWSCURRENT / AWSPREVIOUS.
        stages = sm.describe_secret(SecretId=n)["VersionIdsToStages"]
        holders = [v for v, s in stages.items() if "AWSCURRENT" in s]
        assert holders == [current["VersionId"]]
    # The recovered server takes new writes.
    tok = h.token()
    sm.put_secret_value(SecretId=names[0], SecretString="after recovery", ClientRequestToken=tok)
    assert sm.get_secret_value(SecretId=names[0])["VersionId"] == tok
