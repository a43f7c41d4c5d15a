"""What a data directory serves, as plain JSON — the thing an upgrade must
keep.

`populate` fills a fresh persistent server with data that touches every
kind of stored row (secrets with version histories, custom labels,
AWSPREVIOUS, deprecated and binary versions, tags, descriptions, resource
policies, a scheduled deletion, a replica; a KMS customer key with an alias,
a rotation and a client-held ciphertext; IAM users, groups, roles, managed
and inline policies, an access key, an STS session). `snapshot` reads back everything a
client can observe about it through the public APIs; `assert_preserved`
compares a recorded snapshot with a later one.

Used by fixtures/make_datadir_fixture.py (with the binary of a release, to
record a fixture) and by test_upgrade.py (with the current binary, on that
fixture). Only APIs every release since schema 2 serves are used, and
nothing here depends on the calling binary's version.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

from botocore.exceptions import ClientError

import smharness as h

REGION = h.DEFAULT_REGION
REPLICA_REGION = "eu-west-1"
REGIONS = (REGION, REPLICA_REGION)
KMS_CONTEXT = {"purpose": "upgrade-fixture"}

# Members that change on every read, so no two snapshots agree on them.
VOLATILE = {"ResponseMetadata", "LastAccessedDate"}


def _clients(ep: h.Endpoint, region: str = REGION) -> dict:
    return {s: h.make_client(ep, region, service=s) for s in ("secretsmanager", "kms", "iam", "sts")}


def _policy(statements: list) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def populate(ep: h.Endpoint) -> dict:
    """Creates the fixture's data through `ep` (the administrator); returns
    the facts a later check needs that no API answers again (the IAM user's
    secret access key, a KMS ciphertext a client would hold)."""
    c = _clients(ep)
    sm, kms, iam = c["secretsmanager"], c["kms"], c["iam"]
    account = c["sts"].get_caller_identity()["Account"]

    # IAM first: the resource policy below names the user.
    iam.create_policy(PolicyName="fixture-list-secrets", Path="/fixture/",
                      Description="lets its holders list secrets",
                      PolicyDocument=_policy([{"Effect": "Allow", "Action": "secretsmanager:ListSecrets",
                                               "Resource": "*"}]))
    list_policy = f"arn:aws:iam::{account}:policy/fixture/fixture-list-secrets"
    iam.create_group(GroupName="fixture-readers", Path="/fixture/")
    iam.attach_group_policy(GroupName="fixture-readers", PolicyArn=list_policy)
    user = iam.create_user(UserName="fixture-reader", Path="/apps/",
                           Tags=[{"Key": "team", "Value": "payments"}])["User"]
    iam.add_user_to_group(GroupName="fixture-readers", UserName="fixture-reader")
    key = iam.create_access_key(UserName="fixture-reader")["AccessKey"]
    iam.create_role(RoleName="fixture-deployer", Path="/fixture/",
                    AssumeRolePolicyDocument=_policy([{
                        "Effect": "Allow", "Principal": {"AWS": user["Arn"]},
                        "Action": "sts:AssumeRole"}]),
                    Description="assumed by the deploy pipeline")
    iam.put_role_policy(RoleName="fixture-deployer", PolicyName="describe",
                        PolicyDocument=_policy([{"Effect": "Allow",
                                                 "Action": "secretsmanager:DescribeSecret",
                                                 "Resource": "*"}]))

    # A string secret with a history: v1 falls off AWSPREVIOUS and gets a
    # custom label back, v4 is pending with a custom label.
    db = sm.create_secret(Name="app/db-password", Description="primary database login",
                          SecretString=json.dumps({"username": "app", "password": "v1-Tr0ub4dor&3-horse"}),
                          Tags=[{"Key": "env", "Value": "prod"}, {"Key": "owner", "Value": "payments"}])
    sm.put_secret_value(SecretId=db["ARN"], SecretString=json.dumps(
        {"username": "app", "password": "v2-correct-horse-battery"}))
    sm.put_secret_value(SecretId=db["ARN"], SecretString=json.dumps(
        {"username": "app", "password": "v3-staple-battery-correct"}))
    sm.update_secret_version_stage(SecretId=db["ARN"], VersionStage="legacy",
                                   MoveToVersionId=db["VersionId"])
    sm.put_secret_value(SecretId=db["ARN"], VersionStages=["AWSPENDING", "blue"],
                        SecretString=json.dumps({"username": "app", "password": "v4-pending-rotation-value"}))
    iam.put_user_policy(UserName="fixture-reader", PolicyName="read-db-password",
                        PolicyDocument=_policy([{"Effect": "Allow",
                                                 "Action": ["secretsmanager:GetSecretValue",
                                                            "secretsmanager:DescribeSecret"],
                                                 "Resource": db["ARN"]}]))

    # A deprecated version (no label left) and a changed description.
    api = sm.create_secret(Name="app/api-token", SecretString="tok-1-aaaaaaaaaaaaaaaaaaaaaaaa")
    sm.put_secret_value(SecretId=api["ARN"], SecretString="tok-2-bbbbbbbbbbbbbbbbbbbbbbbb")
    sm.put_secret_value(SecretId=api["ARN"], SecretString="tok-3-cccccccccccccccccccccccc")
    sm.update_secret(SecretId=api["ARN"], Description="third-party API token (rotated by hand)")

    # Binary values, including bytes that are not UTF-8.
    blob = sm.create_secret(Name="app/tls-key.der", SecretBinary=b"\x00\xff\xfe" + os.urandom(61),
                            Tags=[{"Key": "kind", "Value": "binary"}])
    sm.put_secret_value(SecretId=blob["ARN"], SecretBinary=b"\x80\x81" + os.urandom(30))

    # A resource policy that lets the IAM user read a secret its identity
    # policy does not name.
    shared = sm.create_secret(Name="shared/reporting+ro@team=data",
                              SecretString="reporting-readonly-password-0001")
    sm.put_resource_policy(SecretId=shared["ARN"], ResourcePolicy=_policy([{
        "Effect": "Allow", "Principal": {"AWS": user["Arn"]},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]))

    # Scheduled for deletion (make_datadir_fixture.py moves the due date far
    # out, so the fixture never expires).
    sm.create_secret(Name="old/retired", SecretString="retired-value-kept-for-recovery")
    sm.delete_secret(SecretId="old/retired", RecoveryWindowInDays=30)

    # A customer managed key with an alias; the secret's first version is
    # encrypted under the key's first material, the second after a rotation.
    cmk = kms.create_key(Description="fixture application key",
                         Tags=[{"TagKey": "app", "TagValue": "payments"}])["KeyMetadata"]
    kms.create_alias(AliasName="alias/fixture/app", TargetKeyId=cmk["KeyId"])
    sm.create_secret(Name="app/cmk-protected", KmsKeyId="alias/fixture/app",
                     SecretString="encrypted-under-the-customer-key-v1")
    plaintext = b"client-held-plaintext-" + os.urandom(16)
    ciphertext = kms.encrypt(KeyId="alias/fixture/app", Plaintext=plaintext,
                             EncryptionContext=KMS_CONTEXT)["CiphertextBlob"]
    kms.rotate_key_on_demand(KeyId=cmk["KeyId"])
    h.poll(lambda: kms.get_key_rotation_status(KeyId=cmk["KeyId"]),
           lambda r: "OnDemandRotationStartDate" not in r)
    sm.put_secret_value(SecretId="app/cmk-protected",
                        SecretString="encrypted-under-the-customer-key-v2")

    # A secret replicated to a second region.
    sm.create_secret(Name="app/replicated", SecretString="replicated-everywhere-value-01")
    sm.replicate_secret_to_regions(SecretId="app/replicated",
                                   AddReplicaRegions=[{"Region": REPLICA_REGION}])
    status = h.poll(lambda: sm.describe_secret(SecretId="app/replicated"),
                    lambda r: all(s.get("Status") == "InSync" for s in r.get("ReplicationStatus", [])))
    assert all(s.get("Status") == "InSync" for s in status["ReplicationStatus"]), status

    # Temporary credentials: a stored STS session (expired by the time
    # most upgrades run; the check accepts either state by its expiry).
    reader = ep.with_credentials(key["AccessKeyId"], key["SecretAccessKey"])
    session = h.make_client(reader, service="sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/fixture/fixture-deployer",
        RoleSessionName="fixture", DurationSeconds=900)

    return {
        "account": account,
        "session": {"access_key_id": session["Credentials"]["AccessKeyId"],
                    "secret_access_key": session["Credentials"]["SecretAccessKey"],
                    "session_token": session["Credentials"]["SessionToken"],
                    "arn": session["AssumedRoleUser"]["Arn"],
                    "expiration": session["Credentials"]["Expiration"].isoformat()},
        "user": {"arn": user["Arn"], "access_key_id": key["AccessKeyId"],
                 "secret_access_key": key["SecretAccessKey"]},
        "user_may_read": [db["ARN"], shared["ARN"]],
        "user_may_not_read": [api["ARN"]],
        "role_arn": f"arn:aws:iam::{account}:role/fixture/fixture-deployer",
        "kms": {"key_id": cmk["KeyId"], "alias": "alias/fixture/app",
                "ciphertext_b64": h.b64(ciphertext), "plaintext_b64": h.b64(plaintext)},
    }


# ---------------------------------------------------------------- reading back


def _plain(value: Any) -> Any:
    """JSON-able: dates as ISO text, bytes as base64, volatile members out."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(value).decode()}
    return value


def _error_or(call) -> Any:
    try:
        return call()
    except ClientError as e:
        return {"error": e.response["Error"]["Code"]}


def _by(items: list, key: str) -> dict:
    return {item[key]: item for item in items}


def _tags(tags: list, key: str = "Key", value: str = "Value") -> dict:
    return {t[key]: t[value] for t in tags or []}


def _secret(sm, arn: str) -> dict:
    described = sm.describe_secret(SecretId=arn)
    described["Tags"] = _tags(described.get("Tags"))
    described["VersionIdsToStages"] = {v: sorted(s) for v, s in
                                       described.get("VersionIdsToStages", {}).items()}
    described["ReplicationStatus"] = _by(described.get("ReplicationStatus", []), "Region")
    versions = {}
    for v in h.list_versions(sm, arn, include_deprecated=True):
        v["VersionStages"] = sorted(v.get("VersionStages", []))
        value = _error_or(lambda: sm.get_secret_value(SecretId=arn, VersionId=v["VersionId"]))
        v["Value"] = {k: value[k] for k in ("SecretString", "SecretBinary", "VersionStages", "error")
                      if k in value}
        if "VersionStages" in v["Value"]:
            v["Value"]["VersionStages"] = sorted(v["Value"]["VersionStages"])
        versions[v["VersionId"]] = v
    policy = _error_or(lambda: sm.get_resource_policy(SecretId=arn))
    if policy.get("ResourcePolicy"):
        policy["ResourcePolicy"] = json.loads(policy["ResourcePolicy"])
    policy.pop("ResponseMetadata", None)
    return {"describe": described, "versions": versions, "policy": policy}


def _kms(kms) -> dict:
    keys = {}
    for k in h.list_all(kms.list_keys, "Keys"):
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        entry = {"metadata": meta}
        if meta.get("KeyManager") == "CUSTOMER":
            entry["tags"] = _tags(h.list_all(kms.list_resource_tags, "Tags", KeyId=k["KeyId"]),
                                  "TagKey", "TagValue")
            entry["policy"] = json.loads(kms.get_key_policy(KeyId=k["KeyId"],
                                                            PolicyName="default")["Policy"])
            entry["rotation"] = kms.get_key_rotation_status(KeyId=k["KeyId"])
        keys[k["KeyId"]] = entry
    aliases = _by(h.list_all(kms.list_aliases, "Aliases"), "AliasName")
    return {"keys": keys, "aliases": aliases}


def _iam(iam) -> dict:
    users = {}
    for u in h.iam_list_all(iam.list_users, "Users"):
        n = u["UserName"]
        u["Tags"] = _tags(iam.get_user(UserName=n)["User"].get("Tags"))
        u["inline"] = {p: _document(iam.get_user_policy(UserName=n, PolicyName=p)["PolicyDocument"])
                       for p in h.iam_list_all(iam.list_user_policies, "PolicyNames", UserName=n)}
        u["attached"] = sorted(a["PolicyArn"] for a in h.iam_list_all(
            iam.list_attached_user_policies, "AttachedPolicies", UserName=n))
        u["groups"] = sorted(g["GroupName"] for g in h.iam_list_all(
            iam.list_groups_for_user, "Groups", UserName=n))
        u["access_keys"] = _by(h.iam_list_all(iam.list_access_keys, "AccessKeyMetadata", UserName=n),
                               "AccessKeyId")
        users[n] = u
    groups = {}
    for g in h.iam_list_all(iam.list_groups, "Groups"):
        g["attached"] = sorted(a["PolicyArn"] for a in h.iam_list_all(
            iam.list_attached_group_policies, "AttachedPolicies", GroupName=g["GroupName"]))
        groups[g["GroupName"]] = g
    roles = {}
    for r in h.iam_list_all(iam.list_roles, "Roles"):
        n = r["RoleName"]
        role = iam.get_role(RoleName=n)["Role"]
        role.pop("RoleLastUsed", None)
        role["AssumeRolePolicyDocument"] = _document(role["AssumeRolePolicyDocument"])
        role["inline"] = {p: _document(iam.get_role_policy(RoleName=n, PolicyName=p)["PolicyDocument"])
                          for p in h.iam_list_all(iam.list_role_policies, "PolicyNames", RoleName=n)}
        roles[n] = role
    policies = {}
    for p in h.iam_list_all(iam.list_policies, "Policies", Scope="Local"):
        version = iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])
        p["document"] = _document(version["PolicyVersion"]["Document"])
        policies[p["Arn"]] = p
    return {"users": users, "groups": groups, "roles": roles, "policies": policies}


def _document(doc: Any) -> Any:
    """boto3 decodes IAM's URL-encoded policy documents to dicts; a JSON
    string (another client's shape) is parsed the same way."""
    return json.loads(doc) if isinstance(doc, str) else doc


def snapshot(ep: h.Endpoint) -> dict:
    """Everything observable through `ep` (the administrator)."""
    secrets = {}
    for region in REGIONS:
        sm = h.make_client(ep, region)
        listed = h.list_all_secrets(sm, IncludePlannedDeletion=True)
        secrets[region] = {s["ARN"]: _secret(sm, s["ARN"]) for s in listed}
    kms = {region: _kms(h.make_client(ep, region, service="kms")) for region in REGIONS}
    return _plain({"secrets": secrets, "kms": kms, "iam": _iam(h.make_client(ep, service="iam"))})


def assert_preserved(recorded: Any, now: Any, path: str = "snapshot") -> None:
    """Everything `recorded` holds, `now` holds too, equal. Members a newer
    release added are allowed (the comparison is one-way for dicts); lists
    must match exactly."""
    if isinstance(recorded, dict):
        assert isinstance(now, dict), f"{path}: was {recorded!r}, now {now!r}"
        missing = sorted(set(recorded) - set(now))
        assert not missing, f"{path}: lost {missing}"
        for key in recorded:
            assert_preserved(recorded[key], now[key], f"{path}.{key}")
    else:
        assert recorded == now, f"{path}: was {recorded!r}, now {now!r}"

