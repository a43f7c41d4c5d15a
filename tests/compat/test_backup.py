"""Backups (`tresor backup create | verify | restore`, `[backup]` in the
config): a backup taken while writers keep writing restores to a server
that answers exactly what the original held at the snapshot — every
version of every secret, labels, tags, policies, KMS keys, IAM users and
their keys, the audit chain — and a damaged, truncated or extended backup
is refused by verify and by restore, leaving nothing behind."""

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

import smharness as h
from test_audit import Audited, cli_env

pytestmark = pytest.mark.persistent


def tresor(binary, ep, *args, check=True):
    out = subprocess.run([binary, *args], env=cli_env(ep), capture_output=True, text=True,
                         timeout=300)
    if check:
        assert out.returncode == 0, f"tresor {' '.join(args)}: {out.stderr}{out.stdout}"
    return out


def secret_state(sm, secret_id):
    """Everything a client can read of a secret, versions' values included."""
    d = sm.describe_secret(SecretId=secret_id)
    versions = {}
    for v in h.list_versions(sm, secret_id, include_deprecated=True):
        # A secret scheduled for deletion shows its versions, not values.
        value = {} if "DeletedDate" in d else \
            sm.get_secret_value(SecretId=secret_id, VersionId=v["VersionId"])
        versions[v["VersionId"]] = {
            "stages": sorted(v.get("VersionStages", [])),
            "created": v["CreatedDate"],
            "string": value.get("SecretString"),
            "binary": value.get("SecretBinary"),
        }
    try:
        policy = sm.get_resource_policy(SecretId=secret_id).get("ResourcePolicy")
    except ClientError as e:
        policy = e.response["Error"]["Code"]
    return {
        "arn": d["ARN"], "name": d["Name"], "description": d.get("Description"),
        "kms": d.get("KmsKeyId"), "tags": sorted((t["Key"], t["Value"]) for t in d.get("Tags", [])),
        "created": d["CreatedDate"], "deleted": d.get("DeletedDate"),
        "policy": policy, "versions": versions,
    }


def all_names(sm):
    return sorted(s["Name"] for s in h.list_all_secrets(sm, IncludePlannedDeletion=True))


def populate(ep):
    """A store with a bit of everything; returns the names of its secrets."""
    sm = h.make_client(ep)
    kms = h.make_client(ep, service="kms")
    key = kms.create_key(Description="backup test key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/backup-test", TargetKeyId=key)
    names = []
    for i in range(12):
        name = f"backup/static/{i:02d}"
        names.append(name)
        kwargs = {"Name": name, "Description": f"static {i}",
                  "Tags": [{"Key": "team", "Value": f"t{i % 3}"}]}
        if i % 4 == 0:
            kwargs["KmsKeyId"] = "alias/backup-test"
        if i % 5 == 0:
            kwargs["SecretBinary"] = bytes(range(i, i + 40))
        else:
            kwargs["SecretString"] = json.dumps({"password": f"static-password-{i:04d}-x"})
        sm.create_secret(**kwargs)
        for v in range(i % 3):
            sm.put_secret_value(SecretId=name, SecretString=f"static {i} v{v + 2}")
    sm.put_secret_value(SecretId=names[1], SecretString="staged", VersionStages=["STAGING"])
    sm.put_resource_policy(SecretId=names[2], ResourcePolicy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{h.account_of(sm.describe_secret(SecretId=names[2])['ARN'])}:root"},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
    sm.delete_secret(SecretId=names[3], RecoveryWindowInDays=7)
    iam = h.make_client(ep, service="iam")
    iam.create_user(UserName="backup-reader")
    iam.put_user_policy(UserName="backup-reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
    user_key = iam.create_access_key(UserName="backup-reader")["AccessKey"]
    return names, user_key


class Churn:
    """Writers that keep writing while a backup is taken: one thread per
    secret puts values in sequence, another creates secrets in sequence.
    Each remembers what was acknowledged and what was attempted."""

    def __init__(self, ep, secrets=4):
        self.ep = ep
        self.stop = threading.Event()
        self.names = [f"backup/churn/{i}" for i in range(secrets)]
        sm = h.make_client(ep)
        self.written = {}  # name -> [version ids, in write order]
        for name in self.names:
            vid = sm.create_secret(Name=name, SecretString=f"{name} 0")["VersionId"]
            self.written[name] = [vid]
        self.created = []  # names, in creation order
        self.errors = []
        self.threads = [threading.Thread(target=self._put, args=(n,)) for n in self.names]
        self.threads.append(threading.Thread(target=self._create))

    def value(self, name, i):
        return f"{name} {i}"

    def _put(self, name):
        sm = h.make_client(self.ep)
        i = 1
        try:
            while not self.stop.is_set():
                token = f"{i:08d}-0000-4000-8000-{abs(hash(name)) % 10**12:012d}"
                self.written[name].append(token)  # attempted before acknowledged
                sm.put_secret_value(SecretId=name, SecretString=self.value(name, i),
                                    ClientRequestToken=token)
                i += 1
        except Exception as e:  # noqa: BLE001 — reported by the test
            self.errors.append(e)

    def _create(self):
        sm = h.make_client(self.ep)
        i = 0
        try:
            while not self.stop.is_set():
                name = f"backup/new/{i:05d}"
                self.created.append(name)
                sm.create_secret(Name=name, SecretString=f"new secret {i}")
                i += 1
        except Exception as e:  # noqa: BLE001
            self.errors.append(e)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def snapshot_marks(self):
        """How far each writer was acknowledged now (the last entry of each
        list may still be in flight): all of it must be in a backup that
        starts after this."""
        return ({n: len(v) - 2 for n, v in self.written.items()}, len(self.created) - 2)


def restored_server(binary, original, backup, tmp_path, name):
    data = tmp_path / name
    tresor(binary, original.ep, "backup", "restore", str(backup), "--data-dir", str(data),
           "--seal-key-file", str(original.data_dir / "seal.key"))
    # What a server killed while taking a backup leaves behind: removed at start.
    leftover = data / ".backup-interrupted"
    leftover.mkdir()
    (leftover / "snapshot.db").write_bytes(b"a copy of the database")
    server = h.persistent_server(binary, data, tmp_path, log_name=f"{name}.log").start()
    assert not leftover.exists(), "the scratch directory of an interrupted backup stayed"
    return server, h.Endpoint(server.endpoint, original.ep.access_key_id,
                              original.ep.secret_access_key)


def test_a_backup_under_write_load_restores_exactly(persistent_supported, tmp_path):
    binary = persistent_supported
    original = Audited(binary, tmp_path).start()
    restored = None
    try:
        static, user_key = populate(original.ep)
        sm = h.make_client(original.ep)
        expected_static = {n: secret_state(sm, n) for n in static}
        with Churn(original.ep) as churn:
            while min(len(v) for v in churn.written.values()) < 5 or len(churn.created) < 5:
                time.sleep(0.05)
            acked, created_acked = churn.snapshot_marks()
            backup = tmp_path / "under-load.tbk"
            out = tresor(binary, original.ep, "backup", "create", str(backup))
            assert "Backup written to" in out.stdout
            # The writers go on after the snapshot (checked below).
            after = {n: len(v) for n, v in churn.written.items()}
            while any(len(churn.written[n]) < after[n] + 3 for n in churn.names):
                time.sleep(0.05)
        assert not churn.errors, churn.errors
        assert tresor(binary, original.ep, "backup", "verify", str(backup)).returncode == 0

        server, ep = restored_server(binary, original, backup, tmp_path, "restored")
        restored = server
        rsm = h.make_client(ep)
        # Untouched secrets: identical in every respect.
        for name in static:
            assert secret_state(rsm, name) == expected_static[name], name
        # Churned secrets: what each writer wrote up to some point, in
        # order (the newest 100 versions, as AWS keeps), with everything
        # acknowledged before the backup began, values exact.
        for name, written in churn.written.items():
            versions = {v["VersionId"] for v in
                        h.list_versions(rsm, name, include_deprecated=True)}
            kept = [vid for vid in written if vid in versions]
            assert len(kept) == len(versions), f"{name}: a version nobody wrote"
            last = written.index(kept[-1])
            assert kept == written[last + 1 - len(kept):last + 1], f"{name}: not in write order"
            assert len(kept) == min(last + 1, 100), f"{name}: versions missing"
            assert last >= acked[name], f"{name}: an acknowledged write is missing"
            assert last < len(written) - 1, f"{name}: the writer stopped before the backup"
            for vid in kept:
                got = rsm.get_secret_value(SecretId=name, VersionId=vid)["SecretString"]
                assert got == churn.value(name, written.index(vid)), name
            current = rsm.get_secret_value(SecretId=name)["VersionId"]
            assert current == kept[-1], f"{name}: AWSCURRENT is not the last write in the backup"
        new = [n for n in all_names(rsm) if n.startswith("backup/new/")]
        assert new == churn.created[:len(new)], "created secrets are not a prefix"
        assert len(new) < len(churn.created), "the creator stopped before the backup"
        assert len(new) - 1 >= created_acked, "an acknowledged CreateSecret is missing"
        # Keys, users and their access keys came back too.
        user = h.make_client(ep.with_credentials(user_key["AccessKeyId"],
                                                 user_key["SecretAccessKey"]))
        assert user.get_secret_value(SecretId=static[1])["SecretString"] == \
            expected_static[static[1]]["versions"][
                next(v for v, s in expected_static[static[1]]["versions"].items()
                     if "AWSCURRENT" in s["stages"])]["string"]
        kms = h.make_client(ep, service="kms")
        assert kms.describe_key(KeyId="alias/backup-test")["KeyMetadata"]["Enabled"]
        # The audit chain came back whole and goes on.
        rsm.put_secret_value(SecretId=static[0], SecretString="after the restore")
        report = tresor(binary, ep, "audit", "verify", "--online")
        assert report.returncode == 0, report.stdout + report.stderr
    finally:
        if restored:
            restored.stop()
        original.close()


def populated_backup(binary, tmp_path):
    """A backup of a populated server (stopped again): (server, file)."""
    original = Audited(binary, tmp_path).start()
    try:
        populate(original.ep)
        good = tmp_path / "good.tbk"
        tresor(binary, original.ep, "backup", "create", str(good))
    finally:
        original.close()
    return original, good


def test_a_damaged_backup_is_refused_by_verify_and_restore(persistent_supported, tmp_path):
    binary = persistent_supported
    original, good = populated_backup(binary, tmp_path)
    data = good.read_bytes()
    header_end = data.index(b"\n", data.index(b"\n") + 1) + 1
    damaged = {
        "magic": 3,
        "manifest": header_end - 20,
        "database-start": header_end + 5,
        "database-middle": (header_end + len(data)) // 2,
        "database-end": len(data) - 80,
        "checksum": len(data) - 10,
    }
    cases = {}
    for what, at in damaged.items():
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        cases[f"flipped byte in {what}"] = bytes(flipped)
    cases["truncated"] = data[:len(data) // 2]
    cases["missing checksum line"] = data[:data.rindex(b"sha256:")]
    cases["extended"] = data + b"x"
    cases["empty"] = b""
    for what, content in cases.items():
        path = tmp_path / "bad.tbk"
        path.write_bytes(content)
        verify = tresor(binary, original.ep, "backup", "verify", str(path), check=False)
        assert verify.returncode != 0, f"verify accepted a backup with a {what}"
        assert verify.stderr.startswith("error: "), verify.stderr
        target = tmp_path / "restore-target"
        restore = tresor(binary, original.ep, "backup", "restore", str(path),
                         "--data-dir", str(target), check=False)
        assert restore.returncode != 0, f"restore accepted a backup with a {what}"
        assert not any(target.iterdir()), f"restore left files behind for a {what}"
        shutil.rmtree(target)
    # The intact file still restores, but never over a directory in use.
    taken = tmp_path / "in-use"
    taken.mkdir()
    (taken / "tresor.db").write_bytes(b"not empty")
    refused = tresor(binary, original.ep, "backup", "restore", str(good), "--data-dir",
                     str(taken), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr
    assert (taken / "tresor.db").read_bytes() == b"not empty"


def test_creating_a_backup_needs_its_own_permission(persistent_supported, tmp_path):
    binary = persistent_supported
    original = Audited(binary, tmp_path).start()
    try:
        iam = original.client("iam")
        iam.create_user(UserName="not-an-operator")
        iam.put_user_policy(UserName="not-an-operator", PolicyName="all-secrets",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow", "Action": "secretsmanager:*",
                                "Resource": "*"}]}))
        key = iam.create_access_key(UserName="not-an-operator")["AccessKey"]
        ep = original.ep.with_credentials(key["AccessKeyId"], key["SecretAccessKey"])
        out = tresor(binary, ep, "backup", "create", str(tmp_path / "x.tbk"), check=False)
        assert out.returncode != 0
        assert "AccessDeniedException" in out.stderr, out.stderr
        assert not (tmp_path / "x.tbk").exists()
        assert not (tmp_path / "x.tbk.partial").exists()
    finally:
        original.close()


def test_scheduled_backups_keep_the_newest_and_are_audited(persistent_supported, tmp_path):
    binary = persistent_supported
    backups = tmp_path / "backups"
    backups.mkdir()
    # Older backups of an earlier schedule; with keep = 2 only the newest
    # of them survives the first new one. Other files are never touched.
    old = ["tresor-backup-20200101T000000Z.tbk", "tresor-backup-20210101T000000Z.tbk",
           "tresor-backup-20220101T000000Z.tbk"]
    for name in old:
        (backups / name).write_bytes(b"old")
    (backups / "notes.txt").write_text("mine")
    # The unfinished file of a scheduled backup a killed server left.
    (backups / ".tresor-backup-20230101T000000Z.tbk.partial").write_bytes(b"half")
    server = Audited(binary, tmp_path, config=(
        f'[backup]\ndir = "{backups}"\ninterval_hours = 24\nkeep = 2\n')).start()
    try:
        sm = server.client()
        sm.create_secret(Name="scheduled/one", SecretString="scheduled backup value 1")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = sorted(p.name for p in backups.glob("tresor-backup-2026*.tbk")) or \
                sorted(p.name for p in backups.glob("tresor-backup-*.tbk") if p.name not in old)
            if new:
                break
            time.sleep(0.2)
        assert new, "no scheduled backup was taken"
        present = sorted(p.name for p in backups.iterdir())
        assert present == sorted([old[-1], new[0], "notes.txt"]), present
        assert not list(backups.glob(".*partial"))
        verify = tresor(binary, server.ep, "backup", "verify", str(backups / new[0]))
        assert "sound backup" in verify.stdout
        # Recorded in the trail like every other change of state.
        trail = h.make_client(server.ep, service="cloudtrail")
        deadline = time.monotonic() + 10
        events = []
        while time.monotonic() < deadline and not events:
            events = trail.lookup_events(LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "CreateBackup"}])["Events"]
            time.sleep(0.1)
        assert events, "the scheduled backup left no CreateBackup event"
        record = json.loads(events[0]["CloudTrailEvent"])
        assert record["requestParameters"]["scheduled"] is True
        assert record["requestParameters"]["file"].endswith(new[0])
        # And counted, with the time to alert on when backups stop.
        tresor(binary, server.ep, "backup", "create", str(tmp_path / "on-request.tbk"))
        with urllib.request.urlopen(f"{server.ep.url}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        assert 'tresor_backups_total{trigger="schedule",result="ok"} 1\n' in metrics
        assert 'tresor_backups_total{trigger="request",result="ok"} 1\n' in metrics
        assert 'tresor_backups_total{trigger="schedule",result="failed"} 0\n' in metrics
        last = float(re.search(r"^tresor_last_backup_timestamp_seconds (\S+)$", metrics,
                               re.M).group(1))
        assert abs(last - time.time()) < 120
    finally:
        server.close()


def split_backup(data: bytes):
    magic_end = data.index(b"\n") + 1
    manifest_end = data.index(b"\n", magic_end) + 1
    manifest = json.loads(data[magic_end:manifest_end])
    database = data[manifest_end:manifest_end + manifest["database_bytes"]]
    return data[:magic_end], manifest, database


def join_backup(magic: bytes, manifest: dict, database: bytes) -> bytes:
    """A backup with checksums made to fit: what someone who rewrites a
    backup on purpose would produce."""
    manifest = dict(manifest, database_bytes=len(database),
                    database_sha256=hashlib.sha256(database).hexdigest())
    body = magic + json.dumps(manifest, separators=(",", ":")).encode() + b"\n" + database
    return body + b"sha256:" + hashlib.sha256(body).hexdigest().encode() + b"\n"


def test_a_rewritten_audit_trail_is_refused_even_with_fitting_checksums(
        persistent_supported, tmp_path):
    binary = persistent_supported
    original, good = populated_backup(binary, tmp_path)
    out = tresor(binary, original.ep, "backup", "verify", str(good))
    # The head is signed before the snapshot: the whole trail is covered.
    assert "audit chain verified" in out.stdout and "after the last checkpoint" not in out.stdout
    magic, manifest, database = split_backup(good.read_bytes())
    assert join_backup(magic, manifest, database) == good.read_bytes(), "the test's format"

    def rewritten(sql, **manifest_changes):
        db = tmp_path / "edit.db"
        db.write_bytes(database)
        with sqlite3.connect(db) as conn:
            conn.execute(sql)
        conn.close()
        path = tmp_path / "rewritten.tbk"
        path.write_bytes(join_backup(magic, dict(manifest, **manifest_changes), db.read_bytes()))
        db.unlink()
        return path

    cases = {
        "an event's record edited": rewritten(
            "UPDATE audit_events SET record = replace(record, 'CreateSecret', 'DescribeSecret') "
            "WHERE seq = (SELECT MIN(seq) FROM audit_events WHERE event_name = 'CreateSecret')"),
        "an event deleted": rewritten(
            "DELETE FROM audit_events WHERE seq = (SELECT MIN(seq) + 3 FROM audit_events)",
            contents=dict(manifest["contents"],
                          audit_events=manifest["contents"]["audit_events"] - 1)),
        "another signing key": rewritten("SELECT 1", audit_public_key="11" * 32),
    }
    for what, path in cases.items():
        out = tresor(binary, original.ep, "backup", "verify", str(path), check=False)
        assert out.returncode != 0, f"verify accepted a backup with {what}"
        assert "audit trail does not verify" in out.stderr, (what, out.stderr)
        target = tmp_path / "restore-target"
        out = tresor(binary, original.ep, "backup", "restore", str(path), "--data-dir",
                     str(target), check=False)
        assert out.returncode != 0 and not any(target.iterdir()), what
        shutil.rmtree(target)
