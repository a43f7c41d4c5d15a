"""The AWS CLI (`aws secretsmanager ...`, `aws kms ...`, `aws iam ...`, `aws
sts ...`) against the server: the README quick start and a handful of
operations, binary values through fileb://, the CLI's own pagination, and
managing identities and signing as them. The CLI is isolated from ~/.aws."""

import base64
import json
import os
import shutil
import subprocess
import sys

import pytest

import smharness as h

pytestmark = pytest.mark.cli


def cli_command():
    exe = shutil.which("aws")
    return [exe] if exe else [sys.executable, "-m", "awscli"]


@pytest.fixture(scope="module")
def aws(endpoint, tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")

    def run(*args, region=h.DEFAULT_REGION, endpoint_flag=True, check=True, output="json",
            service="secretsmanager", creds=None):
        """`creds`: (access key id, secret access key[, session token]) to
        sign with instead of the session server's root credentials."""
        akid, secret, session_token = (tuple(creds) + (None,))[:3] if creds else (
            endpoint.access_key_id, endpoint.secret_access_key, None)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": akid,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpoint.url,
            "AWS_CONFIG_FILE": str(home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if session_token:
            env["AWS_SESSION_TOKEN"] = session_token
        for var in ("PYTHONPATH", "VIRTUAL_ENV", "PYENV_VERSION", "PYENV_ROOT"):
            if var in os.environ:
                env[var] = os.environ[var]
        cmd = cli_command() + [service, *args, "--output", output]
        if endpoint_flag:
            cmd += ["--endpoint-url", endpoint.url]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=home)
        if check:
            assert proc.returncode == 0, f"{cmd}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
        out = json.loads(proc.stdout) if output == "json" and proc.stdout.strip() else proc.stdout
        return proc.returncode, out, proc.stderr

    return run


def test_readme_quick_start(aws, sm, name):
    """create-secret then get-secret-value, endpoint from AWS_ENDPOINT_URL only."""
    _, created, _ = aws("create-secret", "--name", name, "--secret-string", '{"user":"app","password":"hunter2"}',
                        endpoint_flag=False)
    assert set(created) == {"ARN", "Name", "VersionId"}
    assert created["Name"] == name
    assert h.arn_pattern(name).match(created["ARN"])
    _, value, _ = aws("get-secret-value", "--secret-id", name, endpoint_flag=False)
    assert json.loads(value["SecretString"]) == {"user": "app", "password": "hunter2"}
    assert value["VersionId"] == created["VersionId"]
    assert value["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value["SecretString"]


def test_query_text_output(aws, sm, name):
    sm.create_secret(Name=name, SecretString="plain text value")
    rc, out, _ = aws("get-secret-value", "--secret-id", name, "--query", "SecretString", output="text")
    assert out.strip() == "plain text value"


def test_binary_value_via_fileb(aws, sm, name, tmp_path):
    data = bytes(range(256))
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    aws("create-secret", "--name", name, "--secret-binary", f"fileb://{path}")
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == data
    _, value, _ = aws("get-secret-value", "--secret-id", name)
    assert base64.b64decode(value["SecretBinary"]) == data
    assert "SecretString" not in value
    data2 = b"\xff\x00second"
    path.write_bytes(data2)
    aws("put-secret-value", "--secret-id", name, "--secret-binary", f"fileb://{path}")
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == data2


def test_describe_update_tag_and_stages(aws, sm, name):
    _, created, _ = aws("create-secret", "--name", name, "--secret-string", "v1",
                        "--description", "from the cli", "--tags", "Key=team,Value=cli")
    _, described, _ = aws("describe-secret", "--secret-id", created["ARN"])
    assert described["Description"] == "from the cli"
    assert described["Tags"] == [{"Key": "team", "Value": "cli"}]
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}

    _, put, _ = aws("put-secret-value", "--secret-id", name, "--secret-string", "v2",
                    "--version-stages", "AWSPENDING")
    assert put["VersionStages"] == ["AWSPENDING"]
    aws("update-secret-version-stage", "--secret-id", name, "--version-stage", "AWSCURRENT",
        "--move-to-version-id", put["VersionId"], "--remove-from-version-id", created["VersionId"])
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v2"

    _, updated, _ = aws("update-secret", "--secret-id", name, "--description", "changed")
    assert set(updated) == {"ARN", "Name"}
    aws("tag-resource", "--secret-id", name, "--tags", "Key=extra,Value=1")
    aws("untag-resource", "--secret-id", name, "--tag-keys", "team")
    described = sm.describe_secret(SecretId=name)
    assert described["Description"] == "changed"
    assert described["Tags"] == [{"Key": "extra", "Value": "1"}]

    _, versions, _ = aws("list-secret-version-ids", "--secret-id", name)
    assert {v["VersionId"] for v in versions["Versions"]} == {created["VersionId"], put["VersionId"]}


def test_cli_paginates_list_secrets(aws, sm, name):
    for i in range(5):
        sm.create_secret(Name=f"{name}/{i}", SecretString="v")
    flt = ["--filters", f"Key=name,Values={name}/"]
    # Auto-pagination with a page size of 2 still yields everything.
    _, everything, _ = aws("list-secrets", *flt, "--page-size", "2")
    assert sorted(s["Name"] for s in everything["SecretList"]) == [f"{name}/{i}" for i in range(5)]
    # --max-items stops early and hands out a token to resume from.
    _, first, _ = aws("list-secrets", *flt, "--max-items", "3", "--page-size", "2")
    assert len(first["SecretList"]) == 3
    assert first.get("NextToken")
    _, rest, _ = aws("list-secrets", *flt, "--max-items", "3", "--page-size", "2",
                     "--starting-token", first["NextToken"])
    names = [s["Name"] for s in first["SecretList"] + rest["SecretList"]]
    assert sorted(names) == [f"{name}/{i}" for i in range(5)]


def test_get_random_password(aws):
    _, out, _ = aws("get-random-password", "--password-length", "20", "--exclude-punctuation")
    pw = out["RandomPassword"]
    assert len(pw) == 20 and pw.isalnum()


def test_cli_error_reporting(aws, name):
    rc, _, err = aws("get-secret-value", "--secret-id", name, check=False)
    assert rc != 0
    assert "(ResourceNotFoundException)" in err
    assert h.MSG_NOT_FOUND in err


def test_delete_and_restore(aws, sm, name):
    aws("create-secret", "--name", name, "--secret-string", "v")
    _, deleted, _ = aws("delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    assert set(deleted) == {"ARN", "Name", "DeletionDate"}
    aws("restore-secret", "--secret-id", name)
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)
    aws("delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_resource_policy_from_file(aws, sm, secret, account_id, tmp_path):
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    aws("put-resource-policy", "--secret-id", secret["Name"], "--resource-policy", f"file://{path}",
        "--block-public-policy")
    _, got, _ = aws("get-resource-policy", "--secret-id", secret["Name"])
    assert json.loads(got["ResourcePolicy"]) == policy
    _, validated, _ = aws("validate-resource-policy", "--resource-policy", f"file://{path}")
    assert validated["PolicyValidationPassed"] is True


def test_kms_through_the_cli(aws, tmp_path):
    def kms(*args, output="json"):
        return aws(*args, service="kms", output=output)[1]

    # Issue acceptance: `aws kms create-key`, encrypt/decrypt, aliases and
    # rotation work against Tresor as against AWS.
    key = kms("create-key", "--description", "cli")["KeyMetadata"]
    assert key["KeySpec"] == "SYMMETRIC_DEFAULT" and key["KeyState"] == "Enabled"
    alias = h.unique_alias("cli")
    kms("create-alias", "--alias-name", alias, "--target-key-id", key["KeyId"], output="text")
    plaintext = tmp_path / "plain.bin"
    plaintext.write_bytes(b"secret bytes \x00\x01\x02")
    encrypted = kms("encrypt", "--key-id", alias, "--plaintext", f"fileb://{plaintext}",
                    "--encryption-context", "purpose=cli")
    assert encrypted["KeyId"] == key["Arn"]
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))
    decrypted = kms("decrypt", "--ciphertext-blob", f"fileb://{blob}",
                    "--encryption-context", "purpose=cli")
    assert base64.b64decode(decrypted["Plaintext"]) == plaintext.read_bytes()

    kms("enable-key-rotation", "--key-id", key["KeyId"], output="text")
    assert kms("get-key-rotation-status", "--key-id", key["KeyId"])["KeyRotationEnabled"] is True
    kms("rotate-key-on-demand", "--key-id", key["KeyId"])
    rotations = kms("list-key-rotations", "--key-id", key["KeyId"])["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]
    # The ciphertext made before the rotation still decrypts.
    again = kms("decrypt", "--ciphertext-blob", f"fileb://{blob}",
                "--encryption-context", "purpose=cli")
    assert base64.b64decode(again["Plaintext"]) == plaintext.read_bytes()
    aliases = kms("list-aliases", "--key-id", key["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in aliases] == [alias]


# ------------------------------------------------------------ IAM and STS


def test_iam_user_with_an_inline_policy_through_the_cli(aws, sm, ids, account, name, tmp_path):
    """Issue acceptance: `aws iam create-user`, `create-access-key`,
    `put-user-policy` and `aws sts get-caller-identity` work against Tresor."""
    readable = sm.create_secret(Name=f"{name}/readable", SecretString="cli-readable")
    hidden = sm.create_secret(Name=f"{name}/hidden", SecretString="cli-hidden")
    user = h.iam_name("cli")
    _, created, _ = aws("create-user", "--user-name", user, service="iam")
    ids.users.append(user)
    arn = h.user_arn(account, user)
    assert created["User"]["UserName"] == user and created["User"]["Arn"] == arn
    _, key, _ = aws("create-access-key", "--user-name", user, service="iam")
    key = key["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active"
    policy = tmp_path / "policy.json"
    policy.write_text(h.policy(h.allow("secretsmanager:GetSecretValue", readable["ARN"])))
    aws("put-user-policy", "--user-name", user, "--policy-name", "cli-read",
        "--policy-document", f"file://{policy}", service="iam", output="text")
    _, listed, _ = aws("list-user-policies", "--user-name", user, service="iam")
    assert listed["PolicyNames"] == ["cli-read"]

    creds = (key["AccessKeyId"], key["SecretAccessKey"])
    _, me, _ = aws("get-caller-identity", service="sts", creds=creds)
    assert me == {"UserId": created["User"]["UserId"], "Account": account, "Arn": arn}
    _, root_me, _ = aws("get-caller-identity", service="sts")
    assert root_me["Arn"] == h.root_arn(account)

    _, value, _ = aws("get-secret-value", "--secret-id", readable["Name"], creds=creds)
    assert value["SecretString"] == "cli-readable"
    rc, _, err = aws("get-secret-value", "--secret-id", hidden["Name"], creds=creds, check=False)
    assert rc != 0
    assert "(AccessDeniedException)" in err, err
    assert (f"User: {arn} is not authorized to perform: secretsmanager:GetSecretValue"
            in err), err
    assert "cli-hidden" not in err


def test_assume_role_through_the_cli(aws, sm, ids, account, name, tmp_path):
    """Issue acceptance: `aws sts assume-role` works, and its temporary
    credentials (AWS_SESSION_TOKEN) sign as the assumed role."""
    secret = sm.create_secret(Name=name, SecretString="for the role")
    user = ids.user("cliassumer")
    role = h.iam_name("clirole")
    trust = tmp_path / "trust.json"
    trust.write_text(h.trust(user.arn))
    _, created, _ = aws("create-role", "--role-name", role, "--assume-role-policy-document",
                        f"file://{trust}", service="iam")
    ids.roles.append(role)
    role_arn = created["Role"]["Arn"]
    assert role_arn == h.role_arn(account, role)
    permissions = tmp_path / "role-policy.json"
    permissions.write_text(h.policy(h.allow("secretsmanager:GetSecretValue", secret["ARN"])))
    aws("put-role-policy", "--role-name", role, "--policy-name", "read", "--policy-document",
        f"file://{permissions}", service="iam", output="text")

    user_creds = (user.endpoint.access_key_id, user.endpoint.secret_access_key)
    _, assumed, _ = aws("assume-role", "--role-arn", role_arn, "--role-session-name",
                        "cli-session", "--duration-seconds", "900", service="sts",
                        creds=user_creds)
    c = assumed["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and c["SessionToken"]
    session_arn = h.assumed_role_arn(account, role, "cli-session")
    assert assumed["AssumedRoleUser"]["Arn"] == session_arn
    session = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    _, me, _ = aws("get-caller-identity", service="sts", creds=session)
    assert me["Arn"] == session_arn
    _, value, _ = aws("get-secret-value", "--secret-id", secret["ARN"], creds=session)
    assert value["SecretString"] == "for the role"
    # Without the session token the temporary key is unknown.
    rc, _, err = aws("get-secret-value", "--secret-id", secret["ARN"], creds=session[:2],
                     check=False)
    assert rc != 0 and "(UnrecognizedClientException)" in err, err
