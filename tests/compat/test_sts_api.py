"""STS on the Secrets Manager endpoint: GetCallerIdentity, AssumeRole (trust
policies, DurationSeconds, session policies, session tags, role chaining),
GetSessionToken, and how the temporary credentials they return are used
and refused.

Sources: the STS API reference and IAM User Guide ([doc]: "Permissions for
AssumeRole…", "Session policies", "Passing session tags in STS", "Role
chaining"), botocore's sts model (codes, statuses), and the [AWS] messages
named in smharness. Expiry of temporary credentials cannot be reached from
here (DurationSeconds ≥ 900) and is covered in Rust with a moved clock."""

import datetime as dt
import json

import pytest

import smharness as h

CREDENTIAL_MEMBERS = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}


def assert_temporary_credentials(creds, seconds=None):
    assert set(creds) == CREDENTIAL_MEMBERS, creds
    assert creds["AccessKeyId"].startswith(h.PREFIX_TEMP_ACCESS_KEY), creds["AccessKeyId"]
    assert len(creds["AccessKeyId"]) == 20 and creds["AccessKeyId"].isalnum()
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["SessionToken"]
    assert isinstance(creds["Expiration"], dt.datetime)
    if seconds is not None:
        h.assert_expires_in(creds["Expiration"], seconds)


@pytest.fixture
def secrets(sm, name):
    """Two secrets, `a` tagged team=blue and `b` tagged team=red."""
    a = sm.create_secret(Name=f"{name}/a", SecretString="value-a",
                         Tags=[{"Key": "team", "Value": "blue"}])
    b = sm.create_secret(Name=f"{name}/b", SecretString="value-b",
                         Tags=[{"Key": "team", "Value": "red"}])
    return {"a": a, "b": b}


READ_ALL = h.policy(h.allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]))


# ====================================================== GetCallerIdentity


def test_caller_identity_of_the_root(sts, account):
    me = sts.get_caller_identity()
    assert h.members(me) == {"UserId", "Account", "Arn"}
    assert me["Arn"] == h.root_arn(account) and me["Account"] == account
    assert me["UserId"] == account  # [doc] the root's UserId is the account id
    assert me["ResponseMetadata"].get("RequestId")  # <ResponseMetadata><RequestId>


def test_caller_identity_of_a_user(ids, account):
    user = ids.user("whoami")
    me = user.sts.get_caller_identity()
    assert h.members(me) == {"UserId", "Account", "Arn"}
    assert (me["Arn"], me["Account"], me["UserId"]) == (user.arn, account, user.user_id)


def test_caller_identity_needs_no_permission(ids):
    # [doc] GetCallerIdentity: "No permissions are required … If an
    # administrator attaches a policy to your identity that explicitly
    # denies access to the sts:GetCallerIdentity action, you can still
    # perform this operation."
    user = ids.user("denied", policy=h.policy(h.deny("*")))
    assert user.sts.get_caller_identity()["Arn"] == user.arn


# ============================================================= AssumeRole


def test_assume_role_shape_and_identity(ids, account):
    user = ids.user("assumer")
    role = ids.role("shape", trusted=[user.arn])
    session = h.session_name("shape")
    resp = user.client("sts", validate=True).assume_role(RoleArn=role["Arn"],
                                                         RoleSessionName=session)
    assert {"Credentials", "AssumedRoleUser"} <= h.members(resp) <= \
        {"Credentials", "AssumedRoleUser", "PackedPolicySize", "SourceIdentity"}, resp
    assert_temporary_credentials(resp["Credentials"], 3600)  # [doc] default one hour
    arn = h.assumed_role_arn(account, role["RoleName"], session)
    assert resp["AssumedRoleUser"] == {"AssumedRoleId": f"{role['RoleId']}:{session}", "Arn": arn}

    c = resp["Credentials"]
    temp = h.Principal(arn, ids.endpoint.with_credentials(c["AccessKeyId"], c["SecretAccessKey"],
                                                          c["SessionToken"]))
    me = temp.sts.get_caller_identity()
    assert (me["Arn"], me["UserId"], me["Account"]) == (arn, f"{role['RoleId']}:{session}",
                                                        account)


def test_every_assume_role_gives_new_credentials(ids):
    user = ids.user("twice")
    role = ids.role("twice", trusted=[user.arn])
    one = ids.assume(user, role, "same")
    two = ids.assume(user, role, "same")
    assert one.endpoint.access_key_id != two.endpoint.access_key_id
    assert one.endpoint.session_token != two.endpoint.session_token
    assert one.arn == two.arn
    assert one.sts.get_caller_identity()["Arn"] == two.sts.get_caller_identity()["Arn"]


def test_assumed_role_credentials_carry_the_roles_permissions(ids, secrets, account):
    user = ids.user("carrier")  # no permissions of its own
    role = ids.role("reader", trusted=[user.arn], policy=h.policy(h.allow(
        "secretsmanager:GetSecretValue", secrets["a"]["ARN"])))
    session = ids.assume(user, role)
    assert session.sm.get_secret_value(SecretId=secrets["a"]["Name"])["SecretString"] == "value-a"
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=secrets["b"]["Name"]),
                    session.arn, "secretsmanager:GetSecretValue",
                    (secrets["b"]["Name"], secrets["b"]["ARN"]), h.DENY_NO_IDENTITY_ALLOW)
    # The user itself still has nothing.
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=secrets["a"]["Name"]), user.arn,
                    "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)


def test_role_policy_changes_reach_existing_sessions(ids, iam, secrets):
    """Permissions are the role's current policies at each request
    ([doc] changes to a role's permissions policy apply to its sessions)."""
    user = ids.user("live")
    role = ids.role("live", trusted=[user.arn], policy=READ_ALL)
    session = ids.assume(user, role)
    assert session.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="inline")
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=secrets["a"]["ARN"]),
                    session.arn, "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="again", PolicyDocument=READ_ALL)
    assert session.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"


@pytest.mark.parametrize("seconds", [900, 3600])
def test_duration_within_the_default_maximum(ids, seconds):
    user = ids.user("dur")
    role = ids.role("dur", trusted=[user.arn])
    resp = user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dur",
                                DurationSeconds=seconds)
    assert_temporary_credentials(resp["Credentials"], seconds)


def test_duration_above_the_roles_maximum(ids):
    user = ids.user("durmax")
    short = ids.role("short", trusted=[user.arn])  # MaxSessionDuration 3600
    h.expect_error(lambda: user.sts.assume_role(RoleArn=short["Arn"], RoleSessionName="dur",
                                                DurationSeconds=3601),
                   "ValidationError", h.MSG_DURATION_EXCEEDS_MAX)
    longer = ids.role("longer", trusted=[user.arn], max_session=7200)
    resp = user.sts.assume_role(RoleArn=longer["Arn"], RoleSessionName="dur", DurationSeconds=7200)
    assert_temporary_credentials(resp["Credentials"], 7200)
    h.expect_error(lambda: user.sts.assume_role(RoleArn=longer["Arn"], RoleSessionName="dur",
                                                DurationSeconds=7201),
                   "ValidationError", h.MSG_DURATION_EXCEEDS_MAX)
    longest = ids.role("longest", trusted=[user.arn], max_session=43200)
    resp = user.sts.assume_role(RoleArn=longest["Arn"], RoleSessionName="dur",
                                DurationSeconds=43200)
    assert_temporary_credentials(resp["Credentials"], 43200)


@pytest.mark.parametrize("seconds", [899, 0, 43201])
def test_duration_outside_the_model_range(ids, seconds):
    # [doc] DurationSeconds 900-43200 (botocore checks only the minimum).
    user = ids.user("durbad")
    role = ids.role("durbad", trusted=[user.arn], max_session=43200)
    h.expect_error(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dur",
                                                DurationSeconds=seconds), "ValidationError")


@pytest.mark.parametrize("session", ["x", "has space", "s" * 65, "semi;colon"],
                         ids=["too-short", "space", "too-long", "semicolon"])
def test_role_session_name_is_validated(ids, session):
    # [doc] RoleSessionName: 2-64 of [\w+=,.@-]*.
    user = ids.user("sess")
    role = ids.role("sess", trusted=[user.arn])
    h.expect_error(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName=session),
                   "ValidationError")


def test_assuming_a_missing_role_is_access_denied(ids, account):
    user = ids.user("nobody", policy=h.policy(h.allow("sts:AssumeRole")))
    missing = h.role_arn(account, h.iam_name("missing"))
    h.expect_sts_denied(lambda: user.sts.assume_role(RoleArn=missing, RoleSessionName="sess"),
                        user.arn, missing)


def test_the_root_cannot_assume_roles(sts, ids):
    # [AWS] AssumeRole with root credentials: AccessDenied "Roles may not be
    # assumed by root accounts." (the role trusts the account).
    role = ids.role("forroot")
    h.expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="root"),
                   "AccessDenied", h.MSG_ROOT_CANNOT_ASSUME, status=403)


def test_malformed_session_policy(ids):
    user = ids.user("badsession")
    role = ids.role("badsession", trusted=[user.arn], policy=READ_ALL)
    h.expect_error(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                                                Policy="{not json"),
                   "MalformedPolicyDocument")


# ================================================== trust policy enforced


def test_trust_naming_a_user_needs_no_identity_permission(ids):
    """[doc] same account: a resource-based policy (the trust policy) that
    names the user's ARN is enough; another user with an sts:AssumeRole
    identity permission is still refused, because the trust policy must
    allow the caller ("Role trust policies and KMS key policies are
    exceptions")."""
    trusted = ids.user("trusted")
    outsider = ids.user("outsider", policy=h.policy(h.allow("sts:AssumeRole")))
    role = ids.role("named", trusted=[trusted.arn])
    session = ids.assume(trusted, role)
    assert session.sts.get_caller_identity()["Arn"] == session.arn
    assert session.arn.endswith(f":assumed-role/{role['RoleName']}/{session.name}")
    h.expect_sts_denied(lambda: outsider.sts.assume_role(RoleArn=role["Arn"],
                                                         RoleSessionName="sess"),
                        outsider.arn, role["Arn"])


def test_trust_naming_the_account_delegates_to_identity_policies(ids, account):
    role = ids.role("delegated")  # trusts arn:aws:iam::<acct>:root
    other = ids.role("other")
    without = ids.user("without")
    allowed = ids.user("allowed", policy=h.policy(h.allow("sts:AssumeRole", role["Arn"])))
    elsewhere = ids.user("elsewhere", policy=h.policy(h.allow("sts:AssumeRole", other["Arn"])))
    h.expect_sts_denied(lambda: without.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"),
                        without.arn, role["Arn"])
    assert ids.assume(allowed, role).arn.startswith(
        f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/")
    h.expect_sts_denied(lambda: elsewhere.sts.assume_role(RoleArn=role["Arn"],
                                                          RoleSessionName="sess"),
                        elsewhere.arn, role["Arn"])


def test_identity_deny_beats_the_trust_policy(ids):
    user = ids.user("selfdeny", policy=h.policy(h.deny("sts:AssumeRole")))
    role = ids.role("selfdeny", trusted=[user.arn])
    h.expect_sts_denied(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"),
                        user.arn, role["Arn"])


def test_deny_in_the_trust_policy(ids, account):
    blocked = ids.user("blocked", policy=h.policy(h.allow("sts:AssumeRole")))
    fine = ids.user("fine", policy=h.policy(h.allow("sts:AssumeRole")))
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": h.root_arn(account)}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": blocked.arn}, "Action": "sts:AssumeRole"}]}
    role = ids.role("trustdeny", trust_policy=json.dumps(doc))
    ids.assume(fine, role)
    h.expect_sts_denied(lambda: blocked.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"),
                        blocked.arn, role["Arn"])


def test_trust_policy_changes_apply_at_once(ids, iam):
    first = ids.user("first")
    second = ids.user("second")
    role = ids.role("switch", trusted=[first.arn])
    ids.assume(first, role)
    iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=h.trust(second.arn))
    h.expect_sts_denied(lambda: first.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"),
                        first.arn, role["Arn"])
    ids.assume(second, role)


def test_trust_policy_conditions_external_id(ids):
    # [doc] sts:ExternalId in a trust policy condition.
    user = ids.user("extid")
    role = ids.role("extid", trust_policy=h.trust(
        user.arn, condition={"StringEquals": {"sts:ExternalId": "compat-external-id"}}))
    h.expect_sts_denied(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess"),
                        user.arn, role["Arn"])
    h.expect_sts_denied(lambda: user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sess",
                                                     ExternalId="wrong-external-id"),
                        user.arn, role["Arn"])
    ids.assume(user, role, ExternalId="compat-external-id")


# ========================================================= session policies


def test_session_policy_narrows_the_session(ids, secrets):
    user = ids.user("narrow")
    role = ids.role("narrow", trusted=[user.arn], policy=READ_ALL)
    session = ids.assume(user, role, Policy=h.policy(h.allow(
        "secretsmanager:GetSecretValue", secrets["a"]["ARN"])))
    assert session.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=secrets["b"]["ARN"]),
                    session.arn, "secretsmanager:GetSecretValue", secrets["b"]["ARN"],
                    h.DENY_NO_SESSION_ALLOW)
    h.expect_denied(lambda: session.sm.describe_secret(SecretId=secrets["a"]["ARN"]),
                    session.arn, "secretsmanager:DescribeSecret", secrets["a"]["ARN"],
                    h.DENY_NO_SESSION_ALLOW)
    # A session without a session policy keeps the role's permissions.
    plain = ids.assume(user, role)
    assert plain.sm.get_secret_value(SecretId=secrets["b"]["ARN"])["SecretString"] == "value-b"


def test_session_policy_cannot_grant_more_than_the_role(ids, secrets):
    # [doc] "You cannot use session policies to grant more permissions than
    # those allowed by the identity-based policy of the role".
    user = ids.user("broaden")
    role = ids.role("broaden", trusted=[user.arn], policy=h.policy(h.allow(
        "secretsmanager:DescribeSecret")))
    session = ids.assume(user, role, Policy=h.policy(h.allow("secretsmanager:*")))
    assert session.sm.describe_secret(SecretId=secrets["a"]["ARN"])["ARN"] == secrets["a"]["ARN"]
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=secrets["a"]["ARN"]),
                    session.arn, "secretsmanager:GetSecretValue", secrets["a"]["ARN"],
                    h.DENY_NO_IDENTITY_ALLOW)


def test_session_policy_also_limits_a_resource_policy_naming_the_role(ids, sm, secrets):
    """[doc] "Session policies": when a resource-based policy names the
    role's ARN, its permissions are added to the role's before the session
    is created, and the session policy limits the total."""
    user = ids.user("rpsess")
    role = ids.role("rpsess", trusted=[user.arn])  # no identity policy at all
    sm.put_resource_policy(SecretId=secrets["a"]["ARN"], ResourcePolicy=h.policy(h.allow(
        "secretsmanager:GetSecretValue", "*", principal={"AWS": role["Arn"]})))
    full = ids.assume(user, role)
    assert full.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    narrowed = ids.assume(user, role, Policy=h.policy(h.allow("secretsmanager:DescribeSecret")))
    h.expect_denied(lambda: narrowed.sm.get_secret_value(SecretId=secrets["a"]["ARN"]),
                    narrowed.arn, "secretsmanager:GetSecretValue", secrets["a"]["ARN"])


# ============================================================ session tags


ABAC_ROLE_POLICY = h.policy(h.allow(
    "secretsmanager:GetSecretValue", "*",
    condition={"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}}))


def test_session_tags_need_sts_tag_session_in_the_trust_policy(ids):
    # [doc] "Passing session tags in AWS STS": the trust policy must allow
    # sts:TagSession.
    user = ids.user("tagger")
    role = ids.role("notags", trusted=[user.arn], policy=ABAC_ROLE_POLICY)
    h.expect_sts_denied(lambda: user.sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="sess", Tags=[{"Key": "team", "Value": "blue"}]),
        user.arn, role["Arn"], action="sts:TagSession")
    tagging = ids.role("tags", trust_policy=h.trust(user.arn,
                                                    action=["sts:AssumeRole", "sts:TagSession"]),
                       policy=ABAC_ROLE_POLICY)
    resp = user.sts.assume_role(RoleArn=tagging["Arn"], RoleSessionName="sess",
                                Tags=[{"Key": "team", "Value": "blue"}])
    assert_temporary_credentials(resp["Credentials"])
    assert isinstance(resp.get("PackedPolicySize"), int)  # [doc] present with session tags


def test_session_tags_become_principal_tags(ids, secrets):
    user = ids.user("abac")
    role = ids.role("abac", trust_policy=h.trust(user.arn,
                                                 action=["sts:AssumeRole", "sts:TagSession"]),
                    policy=ABAC_ROLE_POLICY)
    blue = ids.assume(user, role, "blue", Tags=[{"Key": "team", "Value": "blue"}])
    red = ids.assume(user, role, "red", Tags=[{"Key": "team", "Value": "red"}])
    untagged = ids.assume(user, role, "none")
    assert blue.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    h.expect_denied(lambda: blue.sm.get_secret_value(SecretId=secrets["b"]["ARN"]), blue.arn,
                    "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)
    assert red.sm.get_secret_value(SecretId=secrets["b"]["ARN"])["SecretString"] == "value-b"
    h.expect_denied(lambda: red.sm.get_secret_value(SecretId=secrets["a"]["ARN"]), red.arn,
                    "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)
    # [doc] I14: a missing key makes the variable match nothing.
    for arn in (secrets["a"]["ARN"], secrets["b"]["ARN"]):
        h.expect_denied(lambda: untagged.sm.get_secret_value(SecretId=arn), untagged.arn,
                        "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)


def test_role_tags_are_principal_tags_and_session_tags_override_them(ids, secrets):
    # [doc] "session tags override a role tag with the same key".
    user = ids.user("override")
    role = ids.role("override", trust_policy=h.trust(user.arn,
                                                     action=["sts:AssumeRole", "sts:TagSession"]),
                    policy=ABAC_ROLE_POLICY, tags={"team": "red"})
    plain = ids.assume(user, role, "plain")
    assert plain.sm.get_secret_value(SecretId=secrets["b"]["ARN"])["SecretString"] == "value-b"
    h.expect_denied(lambda: plain.sm.get_secret_value(SecretId=secrets["a"]["ARN"]), plain.arn,
                    "secretsmanager:GetSecretValue")
    tagged = ids.assume(user, role, "tagged", Tags=[{"Key": "team", "Value": "blue"}])
    assert tagged.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    h.expect_denied(lambda: tagged.sm.get_secret_value(SecretId=secrets["b"]["ARN"]), tagged.arn,
                    "secretsmanager:GetSecretValue")


# ===================================================== temporary credentials


def test_temporary_key_without_its_token_is_refused(ids, secrets):
    user = ids.user("notoken")
    role = ids.role("notoken", trusted=[user.arn], policy=READ_ALL)
    session = ids.assume(user, role)
    bare = h.Principal(session.arn, session.endpoint.with_credentials(
        session.endpoint.access_key_id, session.endpoint.secret_access_key))
    h.expect_error(lambda: bare.sm.get_secret_value(SecretId=secrets["a"]["ARN"]),
                   "UnrecognizedClientException", h.MSG_UNKNOWN_ACCESS_KEY)


def test_tampered_or_foreign_session_token_is_refused(ids, secrets):
    user = ids.user("tamper")
    role = ids.role("tamper", trusted=[user.arn], policy=READ_ALL)
    one = ids.assume(user, role)
    two = ids.assume(user, role)
    ep = one.endpoint
    token = ep.session_token
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (flipped, two.endpoint.session_token, "x" + token):
        forged = h.Principal(one.arn, ep.with_credentials(ep.access_key_id,
                                                          ep.secret_access_key, bad))
        h.expect_error(lambda: forged.sm.get_secret_value(SecretId=secrets["a"]["ARN"]),
                       "UnrecognizedClientException", h.MSG_UNKNOWN_ACCESS_KEY)
    # The genuine pair still works.
    assert one.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"


def test_role_chaining(ids, account, secrets):
    # [doc] "Role chaining": a role session assumes another role; such a
    # session is limited to one hour.
    user = ids.user("chain")
    first = ids.role("first", trusted=[user.arn])
    second = ids.role("second", trusted=[first["Arn"]], policy=READ_ALL)
    one = ids.assume(user, first)
    two = ids.assume(one, second, "chained")
    assert two.sts.get_caller_identity()["Arn"] == h.assumed_role_arn(
        account, second["RoleName"], "chained")
    assert two.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    # The first session has no secretsmanager permission of its own.
    h.expect_denied(lambda: one.sm.get_secret_value(SecretId=secrets["a"]["ARN"]), one.arn,
                    "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)
    h.expect_error(lambda: one.sts.assume_role(RoleArn=second["Arn"], RoleSessionName="long",
                                               DurationSeconds=3601), "ValidationError")


# ========================================================= GetSessionToken


def test_get_session_token_for_a_user(ids, secrets):
    user = ids.user("gst", policy=h.policy(h.allow("secretsmanager:GetSecretValue",
                                                   secrets["a"]["ARN"])))
    resp = user.sts.get_session_token()
    assert h.members(resp) == {"Credentials"}
    assert_temporary_credentials(resp["Credentials"], 43200)  # [doc] default 12 hours
    c = resp["Credentials"]
    session = h.Principal(user.arn, user.endpoint.with_credentials(
        c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
    # [doc] the session acts as the user, with the user's permissions.
    assert session.sts.get_caller_identity()["Arn"] == user.arn
    assert session.sm.get_secret_value(SecretId=secrets["a"]["ARN"])["SecretString"] == "value-a"
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=secrets["b"]["ARN"]), user.arn,
                    "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)


def test_get_session_token_duration(ids):
    user = ids.user("gstdur")
    resp = user.sts.get_session_token(DurationSeconds=900)
    assert_temporary_credentials(resp["Credentials"], 900)
    h.expect_error(lambda: user.sts.get_session_token(DurationSeconds=899), "ValidationError")


def test_get_session_token_for_the_root(sts, endpoint, account):
    c = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert_temporary_credentials(c, 900)
    session = h.Principal(h.root_arn(account), endpoint.with_credentials(
        c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
    assert session.sts.get_caller_identity()["Arn"] == h.root_arn(account)


def test_get_session_token_refuses_session_credentials(ids):
    # [doc] GetSessionToken must be called with long-term credentials.
    user = ids.user("gstsess")
    role = ids.role("gstsess", trusted=[user.arn])
    session = ids.assume(user, role)
    h.expect_error(lambda: session.sts.get_session_token(), "AccessDenied", status=403)
