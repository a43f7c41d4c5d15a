"""The audit trail, driven the way users and auditors drive it: boto3 and
the AWS CLI make requests; `tresor audit export|verify` and `aws
cloudtrail lookup-events` read the trail back.

- every request — success, failure, denial, bad signature — leaves exactly
  one event, with the principal, source IP, operation, resources and
  outcome;
- no secret value, key material or credential appears in the trail;
- `aws cloudtrail lookup-events` answers "who read prod/db?";
- the chain verifies (offline and online) after `kill -9` during writes,
  and every acknowledged write has its event;
- when the store cannot record, changes are refused and not applied, reads
  are refused rather than left hanging, /health says so, and all recovers.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

import smharness as h

pytestmark = pytest.mark.persistent


# ------------------------------------------------------------------ helpers


def cli_env(ep: h.Endpoint) -> dict:
    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL": ep.url,
        "AWS_ACCESS_KEY_ID": ep.access_key_id,
        "AWS_SECRET_ACCESS_KEY": ep.secret_access_key,
        "AWS_DEFAULT_REGION": h.DEFAULT_REGION,
    })
    return env


def tresor(binary: str, ep: h.Endpoint, *args: str, check: bool = True, stdin: str = None):
    out = subprocess.run([binary, *args], env=cli_env(ep), capture_output=True, text=True,
                         timeout=120, input=stdin)
    if check:
        assert out.returncode == 0, f"tresor {' '.join(args)}: {out.stderr}{out.stdout}"
    return out


def export(binary: str, ep: h.Endpoint, path) -> list:
    """`tresor audit export`; the events (records) in chain order."""
    tresor(binary, ep, "audit", "export", "--output", str(path))
    events = []
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if "seq" in entry:
            events.append(entry["event"])
    return events


def verify_offline(binary: str, ep: h.Endpoint, path, **kwargs):
    key = tresor(binary, ep, "audit", "public-key").stdout.strip()
    return tresor(binary, ep, "audit", "verify", str(path), "--public-key", key, **kwargs)


def request_id(call) -> tuple:
    """Runs a boto3 call; (request id, error code or None)."""
    try:
        resp = call()
        return resp["ResponseMetadata"]["RequestId"], None
    except ClientError as e:
        return e.response["ResponseMetadata"]["RequestId"], e.response["Error"]["Code"]


def reader(iam, ep: h.Endpoint, user: str, resource: str):
    """A new IAM user allowed GetSecretValue on `resource`; its client."""
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                       "Resource": resource}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return h.make_client(ep.with_credentials(key["AccessKeyId"], key["SecretAccessKey"]))


class Audited:
    """A persistent server of one test, with its admin endpoint."""

    def __init__(self, binary, tmp_path, config: str = "", data_dir=None):
        self.binary = binary
        self.tmp = tmp_path
        self.data_dir = data_dir or tmp_path / "data"
        self.args = []
        if config:
            path = tmp_path / "tresor.toml"
            path.write_text(config)
            self.args = ["--config", str(path)]
        self.server = None
        self.ep = None

    def start(self):
        self.server = h.persistent_server(self.binary, self.data_dir, self.tmp,
                                          extra_args=self.args).start()
        akid, secret = h.read_admin_credentials(self.data_dir)
        self.ep = h.Endpoint(self.server.endpoint, akid, secret)
        return self

    def client(self, service="secretsmanager"):
        return h.make_client(self.ep, service=service)

    def close(self):
        if self.server is not None:
            self.server.kill()


@pytest.fixture
def audited(persistent_supported, tmp_path):
    server = Audited(persistent_supported, tmp_path)
    yield server
    server.close()


# ------------------------------------------------------------------ tests


def test_every_request_leaves_exactly_one_event(audited, tmp_path):
    audited.start()
    ep = audited.ep
    sm = audited.client()
    kms = audited.client("kms")
    iam = audited.client("iam")
    sts = audited.client("sts")
    account = sts.get_caller_identity()["Account"]
    name = h.unique_name("prod/db")
    # An IAM user who may only read secrets.
    reading = reader(iam, ep, "reader", "*")

    # (request id, expected eventName, expected errorCode, principal ARN, secret?)
    made = []

    def track(event, call, principal, secret=False):
        rid, code = request_id(call)
        made.append((rid, event, code, principal, secret))
        return code

    root_arn = f"arn:aws:iam::{account}:root"
    reader_arn = f"arn:aws:iam::{account}:user/reader"
    assert track("CreateSecret", lambda: sm.create_secret(Name=name, SecretString="v1"),
                 root_arn, True) is None
    assert track("PutSecretValue", lambda: sm.put_secret_value(SecretId=name,
                 SecretString="v2"), root_arn, True) is None
    assert track("GetSecretValue", lambda: sm.get_secret_value(SecretId=name),
                 root_arn, True) is None
    assert track("GetSecretValue", lambda: reading.get_secret_value(SecretId=name),
                 reader_arn, True) is None
    assert track("DescribeSecret", lambda: reading.describe_secret(SecretId=name),
                 reader_arn, True) == "AccessDeniedException"
    assert track("GetSecretValue", lambda: sm.get_secret_value(SecretId=name + "-missing"),
                 root_arn) == "ResourceNotFoundException"
    assert track("UpdateSecretVersionStage", lambda: sm.update_secret_version_stage(
                 SecretId=name, VersionStage="AWSCURRENT"), root_arn, True) is not None
    assert track("ListSecrets", lambda: sm.list_secrets(), root_arn) is None
    assert track("CreateKey", lambda: kms.create_key(), root_arn) is None
    assert track("GetUser", lambda: iam.get_user(UserName="reader"), root_arn) is None
    assert track("GetCallerIdentity", lambda: sts.get_caller_identity(), root_arn) is None
    # A bad signature: the caller is not known, the key id it presented is.
    bad = h.RawClient(ep).call("GetSecretValue", {"SecretId": name},
                               secret_access_key="wrong-secret")
    assert bad.status == 400 and bad.request_id
    made.append((bad.request_id, "GetSecretValue", bad.code, None, False))

    events = export(audited.binary, ep, tmp_path / "audit.jsonl")
    by_id = {}
    for event in events:
        by_id.setdefault(event["requestID"], []).append(event)
    assert all(len(v) == 1 for v in by_id.values()), "a request id recorded twice"
    secret_arn = sm.describe_secret(SecretId=name)["ARN"]
    for rid, event_name, code, principal, secret in made:
        assert len(by_id.get(rid, [])) == 1, f"{event_name} {rid}: not exactly one event"
        event = by_id[rid][0]
        assert event["eventName"] == event_name
        assert event["sourceIPAddress"] == "127.0.0.1"
        assert event["eventTime"].endswith("Z")
        assert event["recipientAccountId"] == account
        assert event.get("errorCode") == code, (event_name, event)
        if principal:
            assert event["userIdentity"]["arn"] == principal
        else:
            assert event["userIdentity"] == {"type": "Unknown",
                                             "accessKeyId": ep.access_key_id}
        if secret:
            assert secret_arn in [r["ARN"] for r in event["resources"]], event
    # Reads do not echo their answer; a change records its (redacted) one.
    create = by_id[made[0][0]][0]
    assert create["responseElements"]["arn"] == secret_arn
    assert create["requestParameters"]["secretString"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert by_id[made[2][0]][0]["responseElements"] is None
    assert by_id[made[2][0]][0]["readOnly"] is True
    verify_offline(audited.binary, ep, tmp_path / "audit.jsonl")
    assert "sound" in tresor(audited.binary, ep, "audit", "verify", "--online").stdout


def test_no_secret_or_credential_in_the_trail(audited, tmp_path):
    audited.start()
    ep = audited.ep
    sm, kms, iam, sts = (audited.client(s) for s in ("secretsmanager", "kms", "iam", "sts"))
    canary = f"CANARY-{uuid.uuid4().hex}"
    binary_canary = f"BINARY-{uuid.uuid4().hex}".encode()
    name = h.unique_name("canary")
    sm.create_secret(Name=name, SecretString=canary)
    sm.put_secret_value(SecretId=name, SecretBinary=binary_canary)
    sm.update_secret(SecretId=name, SecretString=canary + "-2")
    sm.get_secret_value(SecretId=name)
    sm.batch_get_secret_value(SecretIdList=[name])
    password = sm.get_random_password(PasswordLength=40)["RandomPassword"]
    h.RawClient(ep).call("PutSecretValue", {"SecretId": name, "SecretString": [canary]})
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=canary.encode())["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=blob)
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")["Plaintext"]
    iam.create_user(UserName="holder")
    access = iam.create_access_key(UserName="holder")["AccessKey"]
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=h.trust(
        f"arn:aws:iam::{sts.get_caller_identity()['Account']}:user/holder"))["Role"]
    iam.put_user_policy(UserName="holder", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Resource": role["Arn"]}]}))
    holder_sts = h.make_client(ep.with_credentials(access["AccessKeyId"],
                                                   access["SecretAccessKey"]), service="sts")
    creds = h.poll(lambda: _try_assume(holder_sts, role["Arn"]), lambda c: c is not None)
    # The session's first call carries its token.
    h.make_client(ep.with_credentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                                      creds["SessionToken"]), service="sts").get_caller_identity()

    path = tmp_path / "audit.jsonl"
    export(audited.binary, ep, path)
    trail = path.read_bytes()
    lookup = subprocess.run(["aws", "cloudtrail", "lookup-events", "--max-results", "50"],
                            env=cli_env(ep), capture_output=True, timeout=60)
    assert lookup.returncode == 0, lookup.stderr
    secrets = [canary.encode(), binary_canary, password.encode(), data_key,
               access["SecretAccessKey"].encode(), creds["SecretAccessKey"].encode(),
               creds["SessionToken"].encode()]
    for value in secrets:
        for needle in h.canary_encodings(value):
            assert needle not in trail, f"the exported trail holds a secret ({needle[:16]!r}…)"
            assert needle not in lookup.stdout, "LookupEvents returned a secret"
    # What was hidden is said to be: the fields are there, their values not.
    assert b"HIDDEN_DUE_TO_SECURITY_REASONS" in trail
    # The session token is recorded as an HMAC an operator can match.
    token_hash = tresor(audited.binary, ep, "audit", "hash",
                        stdin=creds["SessionToken"] + "\n").stdout.strip()
    assert token_hash.startswith("hmac-sha256:") and token_hash.encode() in trail


def _try_assume(client, role_arn):
    try:
        return client.assume_role(RoleArn=role_arn, RoleSessionName="audit")["Credentials"]
    except ClientError:
        return None


def test_who_read_prod_db_with_the_aws_cli(audited):
    audited.start()
    ep = audited.ep
    sm, iam = audited.client(), audited.client("iam")
    name = h.unique_name("prod/db")
    arn = sm.create_secret(Name=name, SecretString="pw")["ARN"]
    other = sm.create_secret(Name=h.unique_name("other"), SecretString="x")["ARN"]
    alice = reader(iam, ep, "alice", arn)
    h.poll(lambda: _try_get(alice, name), lambda ok: ok)
    sm.get_secret_value(SecretId=name)
    sm.get_secret_value(SecretId=other)
    with pytest.raises(ClientError):
        alice.get_secret_value(SecretId=other)

    out = subprocess.run(
        ["aws", "cloudtrail", "lookup-events", "--lookup-attributes",
         f"AttributeKey=ResourceName,AttributeValue={arn}", "--output", "json"],
        env=cli_env(ep), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout)["Events"]
    readers = {(e["Username"], json.loads(e["CloudTrailEvent"]).get("errorCode"))
               for e in events if e["EventName"] == "GetSecretValue"}
    assert ("alice", None) in readers and ("root", None) in readers, readers
    assert all(arn in [r["ResourceName"] for r in e["Resources"]] for e in events)
    # Newest first, and paging with the CLI's own token handling.
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    paged = subprocess.run(
        ["aws", "cloudtrail", "lookup-events", "--page-size", "1", "--max-items", "3",
         "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetSecretValue"],
        env=cli_env(ep), capture_output=True, text=True, timeout=60)
    assert paged.returncode == 0, paged.stderr
    assert len(json.loads(paged.stdout)["Events"]) == 3
    # One attribute at most, as CloudTrail.
    bad = subprocess.run(
        ["aws", "cloudtrail", "lookup-events", "--lookup-attributes",
         "AttributeKey=EventName,AttributeValue=a", "AttributeKey=Username,AttributeValue=b"],
        env=cli_env(ep), capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "InvalidLookupAttributesException" in bad.stderr


def _try_get(client, name):
    try:
        client.get_secret_value(SecretId=name)
        return True
    except ClientError:
        return False


def test_chain_verifies_after_kill_9_and_acknowledged_writes_have_events(audited, tmp_path):
    rng = random.Random(1234)
    audited.start()
    name = h.unique_name("crash")
    audited.client().create_secret(Name=name, SecretString="0")
    acknowledged = []
    lock = threading.Lock()
    for trial in range(3):
        ep = audited.ep
        stop = threading.Event()

        def writer(n):
            sm = h.make_client(ep)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    rid = sm.put_secret_value(SecretId=name, SecretString=f"{trial}-{n}-{i}"
                                              )["ResponseMetadata"]["RequestId"]
                except Exception:
                    return
                with lock:
                    acknowledged.append(rid)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.5))
        audited.server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        audited.start()
    ep = audited.ep
    events = export(audited.binary, ep, tmp_path / "after-crashes.jsonl")
    recorded = {e["requestID"] for e in events if e["eventName"] == "PutSecretValue"}
    missing = [rid for rid in acknowledged if rid not in recorded]
    assert acknowledged and not missing, f"{len(missing)} acknowledged writes lack an event"
    verify_offline(audited.binary, ep, tmp_path / "after-crashes.jsonl")
    assert "sound" in tresor(audited.binary, ep, "audit", "verify", "--online").stdout


def health(url):
    try:
        with urllib.request.urlopen(url + "/health", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def assert_refused(server, sm, name) -> str:
    """While the store cannot record: a change and a read are refused (not
    left hanging) and /health says so. Returns the refused change's token."""
    token = h.token()
    put = request_id(lambda: sm.put_secret_value(SecretId=name, SecretString="during",
                                                 ClientRequestToken=token))
    assert put[1] == "InternalServiceError", put
    get = request_id(lambda: sm.get_secret_value(SecretId=name))
    assert get[1] == "InternalServiceError", get
    status, body = health(server.ep.url)
    assert status == 503 and body["audit"] == "failing", body
    return token


def assert_recovered(server, sm, name, token) -> None:
    """Once the store records again: reads and writes work, the refused
    change never happened (not even later), and the chain verifies."""
    h.poll(lambda: request_id(lambda: sm.get_secret_value(SecretId=name)),
           lambda r: r[1] is None, timeout=30)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "before"
    versions = [v["VersionId"] for v in
                sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]]
    assert token not in versions
    sm.put_secret_value(SecretId=name, SecretString="after")
    assert health(server.ep.url)[0] == 200
    assert "sound" in tresor(server.binary, server.ep, "audit", "verify", "--online").stdout


def test_a_blocked_store_refuses_requests_changes_nothing_and_recovers(persistent_supported,
                                                                       tmp_path):
    server = Audited(persistent_supported, tmp_path, "[audit]\ntimeout_ms = 1000\n")
    try:
        server.start()
        sm = server.client()
        name = h.unique_name("blocked")
        sm.create_secret(Name=name, SecretString="before")
        # Another process takes the database's write lock, as a stuck backup
        # tool or a full disk would stop writes.
        blocker = sqlite3.connect(server.data_dir / "tresor.db", timeout=30,
                                  isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            token = assert_refused(server, sm, name)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert_recovered(server, sm, name, token)
    finally:
        server.close()


def test_pruning_keeps_the_rest_verifiable_and_is_recorded(audited, tmp_path):
    audited.start()
    ep = audited.ep
    sm = audited.client()
    name = h.unique_name("pruned")
    sm.create_secret(Name=name, SecretString="v")
    for _ in range(5):
        sm.get_secret_value(SecretId=name)
    before = export(audited.binary, ep, tmp_path / "before.jsonl")
    assert len(before) >= 6

    out = tresor(audited.binary, ep, "audit", "prune", "--older-than", "0s").stdout
    assert out.startswith("Pruned "), out
    sm.get_secret_value(SecretId=name)

    after_path = tmp_path / "after.jsonl"
    after = export(audited.binary, ep, after_path)
    lines = after_path.read_text().splitlines()
    # The export now starts from the signed anchor the rest continues from.
    assert "checkpoint" in json.loads(lines[1]), lines[1]
    ids = {e["eventID"] for e in after}
    assert not ids & {e["eventID"] for e in before[:6]}, "pruned events are still there"
    prune_events = [e for e in after if e["eventName"] == "PruneAuditEvents"]
    assert len(prune_events) == 1
    assert prune_events[0]["eventType"] == "AwsServiceEvent"
    assert prune_events[0]["requestParameters"]["prunedEvents"] >= 6
    # The request that asked for it is recorded too.
    assert any(e["eventName"] == "PruneAuditLog" for e in after)
    verify_offline(audited.binary, ep, after_path)
    assert "sound" in tresor(audited.binary, ep, "audit", "verify", "--online").stdout
    # Without its anchor, the pruned log is a restarted chain.
    (tmp_path / "no-anchor.jsonl").write_text("\n".join([lines[0]] + lines[2:]) + "\n")
    key = tresor(audited.binary, ep, "audit", "public-key").stdout.strip()
    bad = tresor(audited.binary, ep, "audit", "verify", str(tmp_path / "no-anchor.jsonl"),
                 "--public-key", key, check=False)
    assert bad.returncode != 0 and "TAMPERED" in bad.stderr and "checkpoint" in bad.stderr


def test_mirrors_to_a_verifiable_file_and_to_stdout(persistent_supported, tmp_path):
    mirror = tmp_path / "mirror" / "audit.jsonl"
    mirror.parent.mkdir()
    server = Audited(persistent_supported, tmp_path,
                     f'[audit]\nfile = "{mirror}"\nstdout = true\n')
    try:
        server.start()
        sm = server.client()
        name = h.unique_name("mirrored")
        sm.create_secret(Name=name, SecretString="mirror-canary-value")
        rid = sm.get_secret_value(SecretId=name)["ResponseMetadata"]["RequestId"]

        def delivered():
            if not mirror.exists():
                return False
            return rid in mirror.read_text()

        h.poll(delivered, lambda ok: ok, timeout=20)
        assert os.stat(mirror).st_mode & 0o777 == 0o600
        assert "mirror-canary-value" not in mirror.read_text()
        verify_offline(server.binary, server.ep, mirror)
        # Standard output carries the bare records.
        h.poll(lambda: rid in server.server.log_path.read_text(), lambda ok: ok, timeout=20)
        records = [json.loads(line) for line in server.server.log_path.read_text().splitlines()
                   if line.startswith('{"awsRegion"')]
        assert any(r["requestID"] == rid and r["eventName"] == "GetSecretValue" for r in records)
    finally:
        server.close()


def test_a_full_disk_refuses_requests_changes_nothing_and_recovers(persistent_supported,
                                                                  tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(small)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("a small filesystem needs `mount -t tmpfs` (root): "
                    + mounted.stderr.decode(errors="replace"))
    server = Audited(persistent_supported, tmp_path, "[audit]\ntimeout_ms = 2000\n",
                     data_dir=small / "data")
    filler = small / "filler"
    try:
        server.start()
        sm = server.client()
        name = h.unique_name("full")
        sm.create_secret(Name=name, SecretString="before")
        sm.get_secret_value(SecretId=name)
        # Fill the filesystem to the last byte.
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for chunk in (1 << 20, 65536, 512):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)
        token = assert_refused(server, sm, name)
        filler.unlink()  # space returns
        assert_recovered(server, sm, name, token)
    finally:
        server.close()
        subprocess.run(["umount", "-l", str(small)], capture_output=True)
