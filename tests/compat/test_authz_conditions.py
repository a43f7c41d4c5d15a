"""Condition keys end to end: attribute-based access control (principal tags
against resource tags, request tags and tag keys on CreateSecret /
TagResource / UntagResource), the Secrets Manager condition keys of the
Service Authorization Reference, the global keys (aws:PrincipalArn,
aws:PrincipalTag, aws:SourceIp, aws:CurrentTime, aws:SecureTransport,
aws:username, aws:userid), and the evaluation pitfalls of security.md §7
as they show through real requests (I9–I14).

Sources ([doc]): Service Authorization Reference "Actions, resources, and
condition keys for AWS Secrets Manager" (which action carries which key),
IAM User Guide "IAM JSON policy elements: Condition operators", "Condition
keys with multiple values" (ForAllValues/ForAnyValue), "Policy variables",
"AWS global condition context keys", and the Secrets Manager permission
policy examples (deny force deletion, require a customer key, block
public policies, ABAC with team tags)."""

import pytest

import smharness as h

GET = "secretsmanager:GetSecretValue"
DESCRIBE = "secretsmanager:DescribeSecret"
NO_ALLOW = h.DENY_NO_IDENTITY_ALLOW
EXPLICIT = h.DENY_EXPLICIT_IDENTITY


def make(sm, name, value="v", **kwargs):
    return sm.create_secret(Name=name, SecretString=value, **kwargs)


def tags(**kv):
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def ids_of(s):
    return (s["Name"], s["ARN"])


def exists(sm, sid):
    try:
        sm.describe_secret(SecretId=sid)
        return True
    except h.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
        return False


@pytest.fixture
def team_secrets(sm, name):
    return {
        "blue": make(sm, f"{name}/blue", "blue", Tags=tags(team="blue")),
        "red": make(sm, f"{name}/red", "red", Tags=tags(team="red")),
        "none": make(sm, f"{name}/none", "none"),
    }


# ====================================================================== ABAC


@pytest.mark.parametrize("key", ["secretsmanager:ResourceTag/team", "aws:ResourceTag/team"])
def test_principal_tag_against_resource_tag(ids, iam, team_secrets, key):
    abac = h.policy(h.allow([GET, DESCRIBE], "*",
                            condition={"StringEquals": {key: "${aws:PrincipalTag/team}"}}))
    blue = ids.user("blue", policy=abac, tags={"team": "blue"})
    red = ids.user("red", policy=abac, tags={"team": "red"})
    untagged = ids.user("untagged", policy=abac)
    assert blue.sm.get_secret_value(SecretId=team_secrets["blue"]["ARN"])["SecretString"] == "blue"
    assert red.sm.get_secret_value(SecretId=team_secrets["red"]["ARN"])["SecretString"] == "red"
    for who, secret in [(blue, "red"), (blue, "none"), (red, "blue"), (untagged, "blue"),
                        (untagged, "none")]:
        s = team_secrets[secret]
        h.expect_denied(lambda: who.sm.get_secret_value(SecretId=s["ARN"]), who.arn, GET,
                        (s["ARN"],), NO_ALLOW)
    # Principal tags are read at each request.
    iam.tag_user(UserName=blue.name, Tags=tags(team="red"))
    assert blue.sm.get_secret_value(SecretId=team_secrets["red"]["ARN"])["SecretString"] == "red"
    h.expect_denied(lambda: blue.sm.get_secret_value(SecretId=team_secrets["blue"]["ARN"]),
                    blue.arn, GET, (team_secrets["blue"]["ARN"],), NO_ALLOW)


CREATE_WITH_TEAM_TAG = h.policy(h.allow(
    ["secretsmanager:CreateSecret", "secretsmanager:TagResource"], "*",
    condition={"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"},
               "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}))


def test_create_secret_must_carry_the_callers_team_tag(ids, sm, name):
    user = ids.user("creator", policy=CREATE_WITH_TEAM_TAG, tags={"team": "blue"})
    ok = user.sm.create_secret(Name=f"{name}/ok", SecretString="x", Tags=tags(team="blue"),
                               ClientRequestToken=h.token())
    assert sm.describe_secret(SecretId=ok["ARN"])["Tags"] == tags(team="blue")
    refused = {
        "other-team": tags(team="red"),
        "no-tags": None,
        "extra-key": tags(team="blue", owner="me"),
    }
    for case, given in refused.items():
        sid = f"{name}/{case}"
        kwargs = {"Tags": given} if given else {}
        h.expect_denied(lambda: user.sm.create_secret(Name=sid, SecretString="x",
                                                      ClientRequestToken=h.token(), **kwargs),
                        user.arn, ("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
                        h.ANY_RESOURCE, NO_ALLOW)
        assert not exists(sm, sid), case


def test_tag_resource_request_tag_values(ids, sm, name):
    s = make(sm, name, Tags=tags(env="dev"))
    user = ids.user("tagger", policy=h.policy(h.allow(
        "secretsmanager:TagResource", "*",
        condition={"StringEquals": {"aws:RequestTag/env": ["dev", "test"]}})))
    user.sm.tag_resource(SecretId=s["ARN"], Tags=tags(env="test"))
    assert sm.describe_secret(SecretId=s["ARN"])["Tags"] == tags(env="test")
    h.expect_denied(lambda: user.sm.tag_resource(SecretId=s["ARN"], Tags=tags(env="prod")),
                    user.arn, "secretsmanager:TagResource", (s["ARN"],), NO_ALLOW)
    assert sm.describe_secret(SecretId=s["ARN"])["Tags"] == tags(env="test")


def test_untag_resource_tag_keys(ids, sm, name):
    s = make(sm, name, Tags=tags(temp="1", scratch="2", team="blue"))
    user = ids.user("untagger", policy=h.policy(h.allow(
        "secretsmanager:UntagResource", "*",
        condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["temp", "scratch"]}})))
    user.sm.untag_resource(SecretId=s["ARN"], TagKeys=["temp"])
    for keys in (["team"], ["scratch", "team"]):
        h.expect_denied(lambda: user.sm.untag_resource(SecretId=s["ARN"], TagKeys=keys),
                        user.arn, "secretsmanager:UntagResource", (s["ARN"],), NO_ALLOW)
    assert sorted(t["Key"] for t in sm.describe_secret(SecretId=s["ARN"])["Tags"]) == \
        ["scratch", "team"]


def test_deny_for_any_tag_key(ids, sm, name):
    s = make(sm, name)
    user = ids.user("noowner", policy=h.policy(
        h.allow("secretsmanager:TagResource"),
        h.deny("secretsmanager:TagResource", "*",
               condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}})))
    user.sm.tag_resource(SecretId=s["ARN"], Tags=tags(cost="1"))
    h.expect_denied(lambda: user.sm.tag_resource(SecretId=s["ARN"], Tags=tags(x="1", owner="me")),
                    user.arn, "secretsmanager:TagResource", (s["ARN"],), EXPLICIT)
    assert sm.describe_secret(SecretId=s["ARN"])["Tags"] == tags(cost="1")


def test_set_operators_on_an_absent_key(ids, sm, name):
    """I12: ForAllValues is true when the key is absent (an Allow fails
    open); ForAnyValue is false (a Deny does not apply)."""
    s = make(sm, name)
    user = ids.user("sets", policy=h.policy(
        h.allow(DESCRIBE, "*", condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["x"]}}),
        h.allow(GET),
        h.deny(GET, "*", condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}})))
    assert user.sm.describe_secret(SecretId=s["ARN"])["ARN"] == s["ARN"]
    assert user.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"


# ================================================ Secrets Manager condition keys


def test_name_condition_on_create_secret(ids, sm, name):
    user = ids.user("named", policy=h.policy(h.allow(
        "secretsmanager:CreateSecret", "*",
        condition={"StringLike": {"secretsmanager:Name": f"{name}/ok/*"}})))
    user.sm.create_secret(Name=f"{name}/ok/x", SecretString="x", ClientRequestToken=h.token())
    h.expect_denied(lambda: user.sm.create_secret(Name=f"{name}/no/x", SecretString="x",
                                                  ClientRequestToken=h.token()),
                    user.arn, "secretsmanager:CreateSecret", h.ANY_RESOURCE, NO_ALLOW)
    assert exists(sm, f"{name}/ok/x") and not exists(sm, f"{name}/no/x")


def test_secret_id_condition(ids, sm, name):
    a = make(sm, f"{name}/a", "a")
    b = make(sm, f"{name}/b", "b")
    user = ids.user("secretid", policy=h.policy(h.allow(
        GET, "*", condition={"StringEquals": {"secretsmanager:SecretId": a["ARN"]}})))
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=b["ARN"]), user.arn, GET,
                    (b["ARN"],), NO_ALLOW)


def test_version_stage_condition(ids, sm, name):
    """The key is present only when the request names a stage ([AWS]
    boto/boto3#2957: an Allow conditioned on VersionStage refuses a
    GetSecretValue that does not pass VersionStage), so a Deny on
    AWSPREVIOUS leaves default reads alone."""
    s = make(sm, name, "first")
    sm.put_secret_value(SecretId=s["ARN"], SecretString="second")  # first → AWSPREVIOUS
    user = ids.user("stage", policy=h.policy(
        h.allow(GET),
        h.deny(GET, "*", condition={"StringEquals": {"secretsmanager:VersionStage":
                                                     "AWSPREVIOUS"}})))
    assert user.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "second"
    assert user.sm.get_secret_value(SecretId=s["ARN"], VersionStage="AWSCURRENT")[
        "SecretString"] == "second"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"],
                                                     VersionStage="AWSPREVIOUS"),
                    user.arn, GET, (s["ARN"],), EXPLICIT)


def test_allow_on_version_stage_needs_the_stage_in_the_request(ids, sm, name):
    # [AWS] boto/boto3#2957, aws/aws-cli#5031: without VersionStage in the
    # request the key is absent and the Allow does not apply.
    s = make(sm, name, "current")
    user = ids.user("stageallow", policy=h.policy(h.allow(
        GET, "*", condition={"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}})))
    assert user.sm.get_secret_value(SecretId=s["ARN"], VersionStage="AWSCURRENT")[
        "SecretString"] == "current"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn, GET,
                    (s["ARN"],), NO_ALLOW)


def test_version_id_condition(ids, sm, name):
    s = make(sm, name, "first")
    old = s["VersionId"]
    new = sm.put_secret_value(SecretId=s["ARN"], SecretString="second")["VersionId"]
    user = ids.user("versionid", policy=h.policy(
        h.allow(GET),
        h.deny(GET, "*", condition={"StringEquals": {"secretsmanager:VersionId": old}})))
    assert user.sm.get_secret_value(SecretId=s["ARN"], VersionId=new)["SecretString"] == "second"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"], VersionId=old),
                    user.arn, GET, (s["ARN"],), EXPLICIT)


def test_kms_key_id_condition_requires_a_customer_key(ids, sm, key, name):
    user = ids.user("needskey", policy=h.policy(
        h.allow("secretsmanager:CreateSecret"),
        h.allow(["kms:GenerateDataKey", "kms:Decrypt"], key["Arn"]),
        h.deny("secretsmanager:CreateSecret", "*",
               condition={"Null": {"secretsmanager:KmsKeyId": "true"}})))
    user.sm.create_secret(Name=f"{name}/cmk", SecretString="x", KmsKeyId=key["Arn"],
                          ClientRequestToken=h.token())
    h.expect_denied(lambda: user.sm.create_secret(Name=f"{name}/default", SecretString="x",
                                                  ClientRequestToken=h.token()),
                    user.arn, "secretsmanager:CreateSecret", h.ANY_RESOURCE, EXPLICIT)
    assert exists(sm, f"{name}/cmk") and not exists(sm, f"{name}/default")


def test_description_condition(ids, sm, name):
    s = make(sm, name, Description="start")
    user = ids.user("describer", policy=h.policy(
        h.allow("secretsmanager:UpdateSecret"),
        h.deny("secretsmanager:UpdateSecret", "*",
               condition={"StringLike": {"secretsmanager:Description": "*forbidden*"}})))
    user.sm.update_secret(SecretId=s["ARN"], Description="fine")
    h.expect_denied(lambda: user.sm.update_secret(SecretId=s["ARN"],
                                                  Description="a forbidden word"),
                    user.arn, "secretsmanager:UpdateSecret", (s["ARN"],), EXPLICIT)
    assert sm.describe_secret(SecretId=s["ARN"])["Description"] == "fine"


def test_force_delete_without_recovery_condition(ids, sm, name):
    # [doc] Secrets Manager example "Deny … ForceDeleteWithoutRecovery".
    s = make(sm, name)
    user = ids.user("nofire", policy=h.policy(
        h.allow(["secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret"]),
        h.deny("secretsmanager:DeleteSecret", "*",
               condition={"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}})))
    before = h.state_of(sm, s["ARN"])
    h.expect_denied(lambda: user.sm.delete_secret(SecretId=s["ARN"],
                                                  ForceDeleteWithoutRecovery=True),
                    user.arn, "secretsmanager:DeleteSecret", (s["ARN"],), EXPLICIT)
    assert h.state_of(sm, s["ARN"]) == before
    user.sm.delete_secret(SecretId=s["ARN"], RecoveryWindowInDays=30)
    assert "DeletedDate" in sm.describe_secret(SecretId=s["ARN"])
    user.sm.restore_secret(SecretId=s["ARN"])


def test_recovery_window_condition(ids, sm, name):
    s = make(sm, name)
    user = ids.user("window", policy=h.policy(
        h.allow("secretsmanager:DeleteSecret"),
        h.deny("secretsmanager:DeleteSecret", "*",
               condition={"NumericLessThan": {"secretsmanager:RecoveryWindowInDays": "14"}})))
    h.expect_denied(lambda: user.sm.delete_secret(SecretId=s["ARN"], RecoveryWindowInDays=7),
                    user.arn, "secretsmanager:DeleteSecret", (s["ARN"],), EXPLICIT)
    assert "DeletedDate" not in sm.describe_secret(SecretId=s["ARN"])
    user.sm.delete_secret(SecretId=s["ARN"], RecoveryWindowInDays=30)
    assert "DeletedDate" in sm.describe_secret(SecretId=s["ARN"])


def test_block_public_policy_condition(ids, sm, name, account):
    # [doc] Secrets Manager example: require BlockPublicPolicy on
    # PutResourcePolicy.
    s = make(sm, name)
    user = ids.user("blocker", policy=h.policy(
        h.allow("secretsmanager:PutResourcePolicy"),
        h.deny("secretsmanager:PutResourcePolicy", "*",
               condition={"Bool": {"secretsmanager:BlockPublicPolicy": "false"}})))
    doc = h.policy(h.allow(GET, "*", principal={"AWS": h.root_arn(account)}))
    h.expect_denied(lambda: user.sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=doc,
                                                        BlockPublicPolicy=False),
                    user.arn, "secretsmanager:PutResourcePolicy", (s["ARN"],), EXPLICIT)
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=s["ARN"])
    user.sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=doc, BlockPublicPolicy=True)
    assert "ResourcePolicy" in sm.get_resource_policy(SecretId=s["ARN"])


def test_add_replica_regions_condition(ids, sm, name):
    s = make(sm, name)
    user = ids.user("regions", policy=h.policy(
        h.allow("secretsmanager:ReplicateSecretToRegions"),
        h.deny("secretsmanager:ReplicateSecretToRegions", "*",
               condition={"ForAnyValue:StringEquals": {
                   "secretsmanager:AddReplicaRegions": ["ap-northeast-1"]}})))
    h.expect_denied(lambda: user.sm.replicate_secret_to_regions(
        SecretId=s["ARN"], AddReplicaRegions=[{"Region": "ap-northeast-1"}]),
        user.arn, "secretsmanager:ReplicateSecretToRegions", (s["ARN"],), EXPLICIT)
    assert "ReplicationStatus" not in sm.describe_secret(SecretId=s["ARN"])
    user.sm.replicate_secret_to_regions(SecretId=s["ARN"],
                                        AddReplicaRegions=[{"Region": "eu-west-1"}])
    regions = [r["Region"] for r in sm.describe_secret(SecretId=s["ARN"])["ReplicationStatus"]]
    assert regions == ["eu-west-1"]


# ============================================================ global keys


def test_principal_arn_in_a_resource_policy(ids, sm, root, name):
    """The usual "only these principals" lock: a resource-policy Deny for
    everyone whose aws:PrincipalArn is not listed."""
    s = make(sm, name, "locked")
    allowed = ids.user("allowed", policy=h.policy(h.allow(GET)))
    other = ids.user("other", policy=h.policy(h.allow(GET)))
    sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=h.policy(h.deny(
        GET, "*", principal="*",
        condition={"ArnNotEquals": {"aws:PrincipalArn": [allowed.arn, root.arn]}})))
    assert allowed.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "locked"
    assert sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "locked"
    h.expect_denied(lambda: other.sm.get_secret_value(SecretId=s["ARN"]), other.arn, GET,
                    (s["ARN"],), h.DENY_EXPLICIT_RESOURCE)


def test_principal_arn_of_a_role_session_is_the_role(ids, sm, name):
    """[doc] aws:PrincipalArn for an assumed-role session is the role's ARN,
    not the session's."""
    s = make(sm, name, "role-only")
    user = ids.user("assumer", policy=h.policy(h.allow(GET)))
    role = ids.role("pa", trusted=[user.arn])
    ids.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="inline",
                            PolicyDocument=h.policy(h.allow(
                                GET, "*",
                                condition={"ArnEquals": {"aws:PrincipalArn": role["Arn"]}})))
    session = ids.assume(user, role)
    assert session.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "role-only"
    sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=h.policy(h.deny(
        GET, "*", principal="*",
        condition={"ArnNotLike": {"aws:PrincipalArn": [role["Arn"], h.root_arn(ids.account)]}})))
    assert session.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "role-only"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn, GET,
                    (s["ARN"],), h.DENY_EXPLICIT_RESOURCE)


def test_source_ip(ids, sm, name):
    s = make(sm, name)
    local = ids.user("local", policy=h.policy(h.allow(
        GET, "*", condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.0/8"]}})))
    assert local.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"
    remote = ids.user("remote", policy=h.policy(h.allow(
        GET, "*", condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})))
    h.expect_denied(lambda: remote.sm.get_secret_value(SecretId=s["ARN"]), remote.arn, GET,
                    (s["ARN"],), NO_ALLOW)
    fenced = ids.user("fenced", policy=h.policy(
        h.allow(GET),
        h.deny("*", "*", condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})))
    h.expect_denied(lambda: fenced.sm.get_secret_value(SecretId=s["ARN"]), fenced.arn, GET,
                    (s["ARN"],), EXPLICIT)


def test_current_time(ids, sm, name):
    s = make(sm, name)
    after = ids.user("after", policy=h.policy(h.allow(
        GET, "*", condition={"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})))
    assert after.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"
    before = ids.user("before", policy=h.policy(h.allow(
        GET, "*", condition={"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})))
    h.expect_denied(lambda: before.sm.get_secret_value(SecretId=s["ARN"]), before.arn, GET,
                    (s["ARN"],), NO_ALLOW)


def test_secure_transport(ids, sm, name, endpoint):
    """The session server speaks plain HTTP: aws:SecureTransport is false."""
    assert endpoint.url.startswith("http://")
    s = make(sm, name)
    tls_only = ids.user("tls", policy=h.policy(
        h.allow(GET),
        h.deny("*", "*", condition={"Bool": {"aws:SecureTransport": "false"}})))
    h.expect_denied(lambda: tls_only.sm.get_secret_value(SecretId=s["ARN"]), tls_only.arn, GET,
                    (s["ARN"],), EXPLICIT)
    plain_ok = ids.user("plain", policy=h.policy(h.allow(
        GET, "*", condition={"Bool": {"aws:SecureTransport": "false"}})))
    assert plain_ok.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"


def test_username_variable(ids, sm, name, account):
    doc = h.policy(h.allow(GET, h.secrets_under(account, f"{name}/home/${{aws:username}}/")))
    alice = ids.user("alice", policy=doc)
    bob = ids.user("bob", policy=doc)
    mine = make(sm, f"{name}/home/{alice.name}/token", "alice's")
    theirs = make(sm, f"{name}/home/{bob.name}/token", "bob's")
    assert alice.sm.get_secret_value(SecretId=mine["ARN"])["SecretString"] == "alice's"
    h.expect_denied(lambda: alice.sm.get_secret_value(SecretId=theirs["ARN"]), alice.arn, GET,
                    (theirs["ARN"],), NO_ALLOW)
    # A role session has no aws:username: the variable matches nothing.
    role = ids.role("home", trusted=[alice.arn], policy=doc)
    session = ids.assume(alice, role, alice.name)
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=mine["ARN"]), session.arn, GET,
                    (mine["ARN"],), NO_ALLOW)


def test_policy_variables_need_version_2012_10_17(ids, sm, name, account):
    """I14: under Version 2008-10-17 `${aws:username}` is a literal string."""
    legacy = ('{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "%s", '
              '"Resource": "%s"}]}' % (GET, h.secrets_under(account, f"{name}/home/${{aws:username}}/")))
    user = ids.user("legacy", policy=legacy)
    mine = make(sm, f"{name}/home/{user.name}/token", "mine")
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=mine["ARN"]), user.arn, GET,
                    (mine["ARN"],), NO_ALLOW)


def test_userid(ids, sm, name):
    s = make(sm, name)
    me = ids.user("me")
    other = ids.user("notme")
    doc = h.policy(h.allow(GET, "*", condition={"StringEquals": {"aws:userid": me.user_id}}))
    for who in (me, other):
        ids.iam.put_user_policy(UserName=who.name, PolicyName="userid", PolicyDocument=doc)
    assert me.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"
    h.expect_denied(lambda: other.sm.get_secret_value(SecretId=s["ARN"]), other.arn, GET,
                    (s["ARN"],), NO_ALLOW)
    # [doc] a role session's aws:userid is "<role id>:<session name>".
    role = ids.role("uid", trusted=[me.arn])
    ids.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="inline",
                            PolicyDocument=h.policy(h.allow(GET, "*", condition={
                                "StringEquals": {"aws:userid": f"{role['RoleId']}:mysession"}})))
    assert ids.assume(me, role, "mysession").sm.get_secret_value(SecretId=s["ARN"])[
        "SecretString"] == "v"
    other_session = ids.assume(me, role, "othersession")
    h.expect_denied(lambda: other_session.sm.get_secret_value(SecretId=s["ARN"]),
                    other_session.arn, GET, (s["ARN"],), NO_ALLOW)


# ================================================= evaluation pitfalls (I9–I13)


def test_condition_key_names_are_case_insensitive(ids, sm, name):
    s = make(sm, name)
    user = ids.user("keycase")
    ids.iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=h.policy(h.allow(
        GET, "*", condition={"StringEquals": {"AWS:UserName": user.name}})))
    assert user.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v"


def test_condition_values_follow_the_operator(ids, sm, team_secrets):
    """I9/I10: StringEquals is case-sensitive and treats `*` literally;
    StringEqualsIgnoreCase and StringLike do not."""
    blue = team_secrets["blue"]
    cases = {
        ("StringEquals", "BLUE"): False,
        ("StringEqualsIgnoreCase", "BLUE"): True,
        ("StringEquals", "*"): False,
        ("StringLike", "*"): True,
        ("StringLike", "bl?e"): True,
        ("StringLike", "b*x"): False,
    }
    for (op, value), allowed in cases.items():
        user = ids.user(op.lower(), policy=h.policy(h.allow(
            GET, "*", condition={op: {"secretsmanager:ResourceTag/team": value}})))
        if allowed:
            assert user.sm.get_secret_value(SecretId=blue["ARN"])["SecretString"] == "blue"
        else:
            h.expect_denied(lambda: user.sm.get_secret_value(SecretId=blue["ARN"]), user.arn, GET,
                            (blue["ARN"],), NO_ALLOW)


def test_missing_keys_negated_operators_if_exists_and_null(ids, team_secrets):
    """I11: on a missing key a condition is false, except the negated
    operators (true); …IfExists is true when the key is absent; Null tests
    presence."""
    cases = {
        "StringNotEquals": ({"StringNotEquals": {"secretsmanager:ResourceTag/team": "red"}},
                            {"blue": True, "red": False, "none": True}),
        "IfExists": ({"StringEqualsIfExists": {"secretsmanager:ResourceTag/team": "blue"}},
                     {"blue": True, "red": False, "none": True}),
        "Equals": ({"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}},
                   {"blue": True, "red": False, "none": False}),
        "NullFalse": ({"Null": {"secretsmanager:ResourceTag/team": "false"}},
                      {"blue": True, "red": True, "none": False}),
        "NullTrue": ({"Null": {"secretsmanager:ResourceTag/team": "true"}},
                     {"blue": False, "red": False, "none": True}),
    }
    for label, (condition, expected) in cases.items():
        user = ids.user(label, policy=h.policy(h.allow(GET, "*", condition=condition)))
        for secret, allowed in expected.items():
            s = team_secrets[secret]
            if allowed:
                assert user.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == secret, \
                    (label, secret)
            else:
                h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn,
                                GET, (s["ARN"],), NO_ALLOW)


def test_values_are_ored_keys_and_operators_anded(ids, sm, name):
    """I13: several values of one key OR; several keys AND; several
    operators AND."""
    s = make(sm, name, Tags=tags(team="blue", env="dev"))
    me = ids.user("me")
    allowed = {
        "values-or": {"StringEquals": {"aws:username": ["somebody-else", me.name]}},
        "keys-and": {"StringEquals": {"aws:username": me.name,
                                      "secretsmanager:ResourceTag/team": "blue"}},
        "operators-and": {"StringEquals": {"aws:username": me.name},
                          "StringLike": {"secretsmanager:ResourceTag/env": "d*"}},
    }
    denied = {
        "keys-and": {"StringEquals": {"aws:username": me.name,
                                      "secretsmanager:ResourceTag/team": "red"}},
        "operators-and": {"StringEquals": {"aws:username": me.name},
                          "StringLike": {"secretsmanager:ResourceTag/env": "p*"}},
    }
    for label, cond in allowed.items():
        ids.iam.put_user_policy(UserName=me.name, PolicyName="p",
                                PolicyDocument=h.policy(h.allow(GET, "*", condition=cond)))
        assert me.sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "v", label
    for label, cond in denied.items():
        ids.iam.put_user_policy(UserName=me.name, PolicyName="p",
                                PolicyDocument=h.policy(h.allow(GET, "*", condition=cond)))
        h.expect_denied(lambda: me.sm.get_secret_value(SecretId=s["ARN"]), me.arn, GET,
                        (s["ARN"],), NO_ALLOW)
