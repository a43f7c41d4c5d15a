"""The IAM API on the Secrets Manager endpoint (awsQuery: form body, XML
answers, AWS error XML), through boto3 as the account root: users, access
keys, groups, roles, inline and managed policies, policy versions and
attachments — response shapes, AWS's error codes and HTTP statuses — and
that IAM actions are themselves authorized, like every other call.

Codes and statuses come from botocore's iam model ([doc]); messages are
compared verbatim only where the harness names an [AWS] recording."""

import datetime as dt
import json

import pytest

import smharness as h

ID_RE = r"^{prefix}[A-Z0-9]{{16,}}$"


def doc(*statements):
    return json.loads(h.policy(*statements))


READ_ONE = doc(h.allow("secretsmanager:GetSecretValue", "*"))
READ_TWO = doc(h.allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "*"))


@pytest.fixture
def user_name(ids, iam):
    """A fresh IAM user (deleted after the test)."""
    name = h.iam_name("u")
    iam.create_user(UserName=name)
    ids.users.append(name)
    return name


def assert_id(value, prefix):
    import re
    assert re.match(ID_RE.format(prefix=prefix), value or ""), value


# ==================================================================== users


def test_create_user_shape(iam, ids, account):
    name = h.iam_name("shape")
    resp = iam.create_user(UserName=name)
    ids.users.append(name)
    user = resp["User"]
    assert {"Path", "UserName", "UserId", "Arn", "CreateDate"} <= set(user), user
    assert set(user) <= {"Path", "UserName", "UserId", "Arn", "CreateDate", "Tags",
                         "PermissionsBoundary", "PasswordLastUsed"}, user
    assert user["Path"] == "/" and user["UserName"] == name
    assert user["Arn"] == h.user_arn(account, name)
    assert_id(user["UserId"], h.PREFIX_USER_ID)
    assert isinstance(user["CreateDate"], dt.datetime)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = iam.get_user(UserName=name)["User"]
    assert {k: got[k] for k in ("Path", "UserName", "UserId", "Arn")} == \
        {k: user[k] for k in ("Path", "UserName", "UserId", "Arn")}


def test_user_ids_are_unique(iam, ids):
    a, b = h.iam_name("a"), h.iam_name("b")
    ua = iam.create_user(UserName=a)["User"]
    ids.users.append(a)
    ub = iam.create_user(UserName=b)["User"]
    ids.users.append(b)
    assert ua["UserId"] != ub["UserId"]


def test_create_user_with_tags_and_path(iam, ids, account):
    name = h.iam_name("tagged")
    path = f"/compat-{h.RUN_ID}/{name}/"
    user = iam.create_user(UserName=name, Path=path,
                           Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}]
                           )["User"]
    ids.users.append(name)
    assert user["Arn"] == h.user_arn(account, name, path) and user["Path"] == path
    got = iam.get_user(UserName=name)["User"]
    assert sorted(got["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}]
    listed = h.iam_list_all(iam.list_users, "Users", PathPrefix=path)
    assert [u["UserName"] for u in listed] == [name]


def test_duplicate_user_is_entity_already_exists(iam, user_name):
    resp = h.expect_error(lambda: iam.create_user(UserName=user_name), "EntityAlreadyExists",
                          status=409)
    assert user_name in resp["Error"]["Message"]


def test_user_names_are_not_distinguished_by_case(iam, user_name, ids):
    # [doc] IAM quotas and name requirements: "Names are not distinguished by
    # case. For example, you cannot create groups named both ADMINS and admins."
    other = user_name.swapcase()
    try:
        h.expect_error(lambda: iam.create_user(UserName=other), "EntityAlreadyExists", status=409)
    finally:
        ids.users.append(other)  # removed again if it was (wrongly) created


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "semi;colon", "slash/name"],
                         ids=["space", "too-long", "semicolon", "slash"])
def test_invalid_user_name_is_validation_error(iam_raw_params, bad):
    # [doc] UserName: [\w+=,.@-]+, 1-64 (botocore checks only the minimum).
    h.expect_error(lambda: iam_raw_params.create_user(UserName=bad), "ValidationError")


def test_get_missing_user_is_no_such_entity(iam):
    name = h.iam_name("missing")
    resp = h.expect_error(lambda: iam.get_user(UserName=name), "NoSuchEntity", status=404)
    assert name in resp["Error"]["Message"]


def test_list_users_pages_with_marker(iam, ids):
    path = f"/compat-{h.RUN_ID}/paging-{h.iam_name('p')}/"
    names = []
    for i in range(3):
        n = h.iam_name(f"page{i}")
        iam.create_user(UserName=n, Path=path)
        ids.users.append(n)
        names.append(n)
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert len(first["Users"]) == 2 and first["IsTruncated"] is True and first["Marker"]
    rest = iam.list_users(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    assert len(rest["Users"]) == 1 and rest["IsTruncated"] is False
    assert "Marker" not in rest
    assert sorted(u["UserName"] for u in first["Users"] + rest["Users"]) == sorted(names)
    for u in first["Users"] + rest["Users"]:
        assert {"Path", "UserName", "UserId", "Arn", "CreateDate"} <= set(u)


def test_delete_user(iam, user_name):
    assert h.members(iam.delete_user(UserName=user_name)) == set()
    h.expect_error(lambda: iam.get_user(UserName=user_name), "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.delete_user(UserName=user_name), "NoSuchEntity", status=404)
    assert user_name not in {u["UserName"] for u in h.iam_list_all(iam.list_users, "Users")}


def test_delete_user_refused_while_anything_is_attached(iam, ids, user_name):
    """[doc] DeleteUser: access keys, inline policies, attached managed
    policies and group memberships must go first (DeleteConflict, 409)."""
    def refused(message=None):
        h.expect_error(lambda: iam.delete_user(UserName=user_name), "DeleteConflict", message,
                       status=409)
        assert iam.get_user(UserName=user_name)["User"]["UserName"] == user_name

    key = iam.create_access_key(UserName=user_name)["AccessKey"]["AccessKeyId"]
    refused(h.MSG_DELETE_KEYS_FIRST)
    iam.delete_access_key(UserName=user_name, AccessKeyId=key)

    iam.put_user_policy(UserName=user_name, PolicyName="p", PolicyDocument=json.dumps(READ_ONE))
    refused(h.MSG_DELETE_POLICIES_FIRST)
    iam.delete_user_policy(UserName=user_name, PolicyName="p")

    arn = ids.managed_policy("attached", json.dumps(READ_ONE))
    iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
    refused(h.MSG_DETACH_POLICIES_FIRST)
    iam.detach_user_policy(UserName=user_name, PolicyArn=arn)

    group = ids.group("member")
    iam.add_user_to_group(GroupName=group, UserName=user_name)
    refused()
    iam.remove_user_from_group(GroupName=group, UserName=user_name)

    iam.delete_user(UserName=user_name)
    h.expect_error(lambda: iam.get_user(UserName=user_name), "NoSuchEntity", status=404)


def test_tag_untag_list_user_tags(iam, user_name):
    assert h.members(iam.tag_user(UserName=user_name, Tags=[
        {"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "42"}])) == set()
    iam.tag_user(UserName=user_name, Tags=[{"Key": "team", "Value": "red"}])  # replaces
    tags = iam.list_user_tags(UserName=user_name)
    assert tags["IsTruncated"] is False
    assert sorted(tags["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "red"}]
    assert h.members(iam.untag_user(UserName=user_name, TagKeys=["cost"])) == set()
    assert iam.list_user_tags(UserName=user_name)["Tags"] == [{"Key": "team", "Value": "red"}]
    h.expect_error(lambda: iam.list_user_tags(UserName=h.iam_name("nobody")), "NoSuchEntity",
                   status=404)


def test_get_user_without_a_name_is_the_caller(ids, account):
    # [doc] GetUser: "If you do not specify a user name, IAM determines the
    # user name implicitly based on the AWS access key ID used to sign the
    # request".
    me = ids.user("self", policy=h.policy(h.allow(
        "iam:GetUser", f"arn:aws:iam::{account}:user/${{aws:username}}")))
    got = me.client("iam").get_user()["User"]
    assert got["UserName"] == me.name and got["Arn"] == me.arn


# ============================================================== access keys


def test_create_access_key_shape(iam, user_name, endpoint, account):
    resp = iam.create_access_key(UserName=user_name)
    key = resp["AccessKey"]
    assert set(key) == {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}, key
    assert key["UserName"] == user_name and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith(h.PREFIX_ACCESS_KEY) and len(key["AccessKeyId"]) == 20
    assert key["AccessKeyId"].isalnum() and key["AccessKeyId"].isupper()
    assert len(key["SecretAccessKey"]) == 40
    # The new key signs requests as that user.
    user = h.Principal("", endpoint.with_credentials(key["AccessKeyId"], key["SecretAccessKey"]))
    me = user.client("sts").get_caller_identity()
    assert me["Arn"] == h.user_arn(account, user_name) and me["Account"] == account


def test_list_access_keys_never_returns_the_secret(iam, user_name):
    created = iam.create_access_key(UserName=user_name)["AccessKey"]
    listed = iam.list_access_keys(UserName=user_name)
    assert listed["IsTruncated"] is False
    [meta] = listed["AccessKeyMetadata"]
    assert set(meta) == {"UserName", "AccessKeyId", "Status", "CreateDate"}, meta
    assert meta["AccessKeyId"] == created["AccessKeyId"] and meta["Status"] == "Active"
    assert created["SecretAccessKey"] not in json.dumps(listed, default=str)
    assert created["SecretAccessKey"] not in json.dumps(iam.get_user(UserName=user_name),
                                                        default=str)


def test_third_access_key_exceeds_the_quota(iam, user_name):
    first = iam.create_access_key(UserName=user_name)["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName=user_name)
    h.expect_error(lambda: iam.create_access_key(UserName=user_name), "LimitExceeded",
                   h.MSG_ACCESS_KEY_QUOTA, status=409)
    # [AWS] an inactive key still counts.
    iam.update_access_key(UserName=user_name, AccessKeyId=first, Status="Inactive")
    h.expect_error(lambda: iam.create_access_key(UserName=user_name), "LimitExceeded",
                   h.MSG_ACCESS_KEY_QUOTA, status=409)
    assert len(iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]) == 2
    iam.delete_access_key(UserName=user_name, AccessKeyId=first)
    iam.create_access_key(UserName=user_name)
    assert len(iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]) == 2


def test_inactive_key_is_refused_like_an_unknown_key(iam, ids, sm, name):
    sm.create_secret(Name=name, SecretString="v")
    user = ids.user("inactive", policy=h.policy(h.allow("secretsmanager:DescribeSecret"),
                                                h.allow("kms:ListKeys")))
    assert user.sm.describe_secret(SecretId=name)["Name"] == name
    akid = user.endpoint.access_key_id
    assert h.members(iam.update_access_key(UserName=user.name, AccessKeyId=akid,
                                           Status="Inactive")) == set()
    [meta] = iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]
    assert meta["Status"] == "Inactive"
    h.expect_error(lambda: user.sm.describe_secret(SecretId=name), "UnrecognizedClientException",
                   h.MSG_UNKNOWN_ACCESS_KEY)
    h.expect_error(lambda: user.kms.list_keys(), "UnrecognizedClientException",
                   h.MSG_UNKNOWN_ACCESS_KEY)
    # [doc] common errors: InvalidClientTokenId (403) from the query APIs.
    h.expect_error(lambda: user.sts.get_caller_identity(), "InvalidClientTokenId",
                   h.MSG_UNKNOWN_ACCESS_KEY, status=403)
    iam.update_access_key(UserName=user.name, AccessKeyId=akid, Status="Active")
    assert user.sm.describe_secret(SecretId=name)["Name"] == name


def test_deleted_key_is_refused(iam, ids, sm, name):
    sm.create_secret(Name=name, SecretString="v")
    user = ids.user("deleted", policy=h.policy(h.allow("secretsmanager:DescribeSecret")))
    assert user.sm.describe_secret(SecretId=name)["Name"] == name
    akid = user.endpoint.access_key_id
    assert h.members(iam.delete_access_key(UserName=user.name, AccessKeyId=akid)) == set()
    assert iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"] == []
    h.expect_error(lambda: user.sm.describe_secret(SecretId=name), "UnrecognizedClientException",
                   h.MSG_UNKNOWN_ACCESS_KEY)
    h.expect_error(lambda: iam.delete_access_key(UserName=user.name, AccessKeyId=akid),
                   "NoSuchEntity", status=404)


def test_a_deleted_users_key_is_refused_even_if_recreated(iam, ids, sm, name):
    """A user deleted and created again under the same name is a new
    identity: the old key does not come back."""
    sm.create_secret(Name=name, SecretString="v")
    doc_text = h.policy(h.allow("secretsmanager:DescribeSecret"))
    user = ids.user("recreated", policy=doc_text)
    old_akid = user.endpoint.access_key_id
    iam.delete_access_key(UserName=user.name, AccessKeyId=old_akid)
    iam.delete_user_policy(UserName=user.name, PolicyName="inline")
    iam.delete_user(UserName=user.name)
    again = iam.create_user(UserName=user.name)["User"]
    iam.put_user_policy(UserName=user.name, PolicyName="inline", PolicyDocument=doc_text)
    assert again["UserId"] != user.user_id
    h.expect_error(lambda: user.sm.describe_secret(SecretId=name), "UnrecognizedClientException",
                   h.MSG_UNKNOWN_ACCESS_KEY)


def test_access_key_errors(iam, iam_raw_params, user_name):
    key = iam.create_access_key(UserName=user_name)["AccessKey"]["AccessKeyId"]
    h.expect_error(lambda: iam.create_access_key(UserName=h.iam_name("nobody")), "NoSuchEntity",
                   status=404)
    h.expect_error(lambda: iam.update_access_key(UserName=user_name,
                                                 AccessKeyId="AKIAAAAAAAAAAAAAAAAA",
                                                 Status="Inactive"),
                   "NoSuchEntity", status=404)
    h.expect_error(lambda: iam_raw_params.update_access_key(UserName=user_name, AccessKeyId=key,
                                                            Status="Disabled"),
                   "ValidationError")
    [meta] = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
    assert meta["Status"] == "Active"
    h.expect_error(lambda: iam.list_access_keys(UserName=h.iam_name("nobody")), "NoSuchEntity",
                   status=404)


# ================================================================== groups


def test_group_lifecycle(iam, ids, account, user_name):
    name = h.iam_name("grp")
    group = iam.create_group(GroupName=name)["Group"]
    ids.groups.append(name)
    assert {"Path", "GroupName", "GroupId", "Arn", "CreateDate"} <= set(group), group
    assert group["Arn"] == f"arn:aws:iam::{account}:group/{name}" and group["Path"] == "/"
    assert_id(group["GroupId"], h.PREFIX_GROUP_ID)
    h.expect_error(lambda: iam.create_group(GroupName=name), "EntityAlreadyExists", status=409)

    got = iam.get_group(GroupName=name)
    assert got["Group"]["GroupName"] == name and got["Users"] == []
    assert got["IsTruncated"] is False

    assert h.members(iam.add_user_to_group(GroupName=name, UserName=user_name)) == set()
    got = iam.get_group(GroupName=name)
    assert [u["UserName"] for u in got["Users"]] == [user_name]
    assert got["Users"][0]["Arn"] == h.user_arn(account, user_name)
    groups = iam.list_groups_for_user(UserName=user_name)
    assert [g["GroupName"] for g in groups["Groups"]] == [name] and groups["IsTruncated"] is False
    assert name in {g["GroupName"] for g in h.iam_list_all(iam.list_groups, "Groups")}

    h.expect_error(lambda: iam.delete_group(GroupName=name), "DeleteConflict", status=409)
    assert h.members(iam.remove_user_from_group(GroupName=name, UserName=user_name)) == set()
    assert iam.list_groups_for_user(UserName=user_name)["Groups"] == []

    iam.put_group_policy(GroupName=name, PolicyName="p", PolicyDocument=json.dumps(READ_ONE))
    h.expect_error(lambda: iam.delete_group(GroupName=name), "DeleteConflict",
                   h.MSG_DELETE_POLICIES_FIRST, status=409)
    iam.delete_group_policy(GroupName=name, PolicyName="p")

    assert h.members(iam.delete_group(GroupName=name)) == set()
    h.expect_error(lambda: iam.get_group(GroupName=name), "NoSuchEntity", status=404)


def test_group_membership_errors(iam, ids, user_name):
    group = ids.group("errs")
    h.expect_error(lambda: iam.add_user_to_group(GroupName=h.iam_name("nogroup"),
                                                 UserName=user_name), "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.add_user_to_group(GroupName=group, UserName=h.iam_name("nouser")),
                   "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.list_groups_for_user(UserName=h.iam_name("nouser")),
                   "NoSuchEntity", status=404)
    assert iam.get_group(GroupName=group)["Users"] == []


# =================================================================== roles


def test_create_role_shape(iam, ids, account):
    name = h.iam_name("role")
    trust_doc = json.loads(h.trust(h.root_arn(account)))
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_doc),
                           Description="compat role")["Role"]
    ids.roles.append(name)
    assert {"Path", "RoleName", "RoleId", "Arn", "CreateDate",
            "AssumeRolePolicyDocument"} <= set(role), role
    assert role["Arn"] == h.role_arn(account, name) and role["Path"] == "/"
    assert_id(role["RoleId"], h.PREFIX_ROLE_ID)
    assert role["AssumeRolePolicyDocument"] == trust_doc  # botocore URL-decodes and parses it
    got = iam.get_role(RoleName=name)["Role"]
    assert got["AssumeRolePolicyDocument"] == trust_doc
    assert got["MaxSessionDuration"] == 3600  # [doc] default one hour
    assert got["Description"] == "compat role" and got["RoleId"] == role["RoleId"]
    assert name in {r["RoleName"] for r in h.iam_list_all(iam.list_roles, "Roles")}


def test_create_role_with_max_session_and_tags(iam, ids, account):
    name = h.iam_name("long")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=h.trust(h.root_arn(account)),
                    MaxSessionDuration=43200, Tags=[{"Key": "team", "Value": "blue"}])
    ids.roles.append(name)
    got = iam.get_role(RoleName=name)["Role"]
    assert got["MaxSessionDuration"] == 43200
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]


@pytest.mark.parametrize("seconds", [3599, 43201, 0])
def test_role_max_session_duration_bounds(iam_raw_params, iam, account, seconds):
    # [doc] MaxSessionDuration: 3600-43200.
    name = h.iam_name("bounds")
    h.expect_error(lambda: iam_raw_params.create_role(
        RoleName=name, AssumeRolePolicyDocument=h.trust(h.root_arn(account)),
        MaxSessionDuration=seconds), "ValidationError")
    h.expect_error(lambda: iam.get_role(RoleName=name), "NoSuchEntity", status=404)


def malformed_trust(account):
    root = h.root_arn(account)
    return {
        "not-json": "{not json",
        "bad-effect": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Perhaps", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}]}),
        # [doc] a trust policy has no Resource element.
        "with-resource": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole",
             "Resource": "*"}]}),
        "without-principal": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
    }


@pytest.mark.parametrize("kind", ["not-json", "bad-effect", "with-resource", "without-principal"])
def test_malformed_trust_policy(iam, account, kind):
    document = malformed_trust(account)[kind]
    name = h.iam_name("malformed")
    h.expect_error(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=document),
                   "MalformedPolicyDocument")
    h.expect_error(lambda: iam.get_role(RoleName=name), "NoSuchEntity", status=404)


def test_role_errors(iam, ids, account):
    role = ids.role("errs")
    h.expect_error(lambda: iam.create_role(RoleName=role["RoleName"],
                                           AssumeRolePolicyDocument=h.trust(h.root_arn(account))),
                   "EntityAlreadyExists", status=409)
    missing = h.iam_name("norole")
    h.expect_error(lambda: iam.get_role(RoleName=missing), "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.delete_role(RoleName=missing), "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.update_assume_role_policy(
        RoleName=missing, PolicyDocument=h.trust(h.root_arn(account))), "NoSuchEntity", status=404)


def test_update_assume_role_policy(iam, ids, account):
    role = ids.role("upd")
    someone = ids.user("trusted", key=False)
    new = json.loads(h.trust(someone.arn))
    assert h.members(iam.update_assume_role_policy(RoleName=role["RoleName"],
                                                   PolicyDocument=json.dumps(new))) == set()
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"] == new
    h.expect_error(lambda: iam.update_assume_role_policy(RoleName=role["RoleName"],
                                                         PolicyDocument="{nope"),
                   "MalformedPolicyDocument")
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"] == new


def test_role_tags(iam, ids):
    role = ids.role("tags")
    name = role["RoleName"]
    assert h.members(iam.tag_role(RoleName=name, Tags=[{"Key": "team", "Value": "blue"},
                                                       {"Key": "env", "Value": "dev"}])) == set()
    tags = iam.list_role_tags(RoleName=name)
    assert tags["IsTruncated"] is False
    assert sorted(tags["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "blue"}]
    assert h.members(iam.untag_role(RoleName=name, TagKeys=["env"])) == set()
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "team", "Value": "blue"}]
    h.expect_error(lambda: iam.list_role_tags(RoleName=h.iam_name("norole")), "NoSuchEntity",
                   status=404)


def test_delete_role_refused_while_policies_remain(iam, ids):
    role = ids.role("del", policy=json.dumps(READ_ONE))
    name = role["RoleName"]
    h.expect_error(lambda: iam.delete_role(RoleName=name), "DeleteConflict",
                   h.MSG_DELETE_POLICIES_FIRST, status=409)
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    arn = ids.managed_policy("roleatt", json.dumps(READ_ONE))
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    h.expect_error(lambda: iam.delete_role(RoleName=name), "DeleteConflict",
                   h.MSG_DETACH_POLICIES_FIRST, status=409)
    iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    assert h.members(iam.delete_role(RoleName=name)) == set()
    h.expect_error(lambda: iam.get_role(RoleName=name), "NoSuchEntity", status=404)


# ========================================================= inline policies


def _entity(kind, ids, iam):
    if kind == "user":
        name = h.iam_name("inl")
        iam.create_user(UserName=name)
        ids.users.append(name)
    elif kind == "group":
        name = ids.group("inl")
    else:
        name = ids.role("inl")["RoleName"]
    ops = {
        "user": (iam.put_user_policy, iam.get_user_policy, iam.list_user_policies,
                 iam.delete_user_policy, "UserName"),
        "group": (iam.put_group_policy, iam.get_group_policy, iam.list_group_policies,
                  iam.delete_group_policy, "GroupName"),
        "role": (iam.put_role_policy, iam.get_role_policy, iam.list_role_policies,
                 iam.delete_role_policy, "RoleName"),
    }[kind]
    return name, ops


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policy_round_trip(iam, ids, kind):
    name, (put, get, list_, delete, key) = _entity(kind, ids, iam)
    assert h.members(put(**{key: name}, PolicyName="read", PolicyDocument=json.dumps(READ_ONE))) \
        == set()
    got = get(**{key: name}, PolicyName="read")
    assert got[key] == name and got["PolicyName"] == "read"
    assert got["PolicyDocument"] == READ_ONE  # botocore URL-decodes and parses it
    put(**{key: name}, PolicyName="read", PolicyDocument=json.dumps(READ_TWO))  # replaces
    assert get(**{key: name}, PolicyName="read")["PolicyDocument"] == READ_TWO
    put(**{key: name}, PolicyName="second", PolicyDocument=json.dumps(READ_ONE))
    listed = list_(**{key: name})
    assert sorted(listed["PolicyNames"]) == ["read", "second"] and listed["IsTruncated"] is False
    assert h.members(delete(**{key: name}, PolicyName="read")) == set()
    h.expect_error(lambda: get(**{key: name}, PolicyName="read"), "NoSuchEntity", status=404)
    h.expect_error(lambda: delete(**{key: name}, PolicyName="read"), "NoSuchEntity", status=404)
    assert list_(**{key: name})["PolicyNames"] == ["second"]


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policy_on_missing_entity(iam, kind):
    put, key = {"user": (iam.put_user_policy, "UserName"),
                "group": (iam.put_group_policy, "GroupName"),
                "role": (iam.put_role_policy, "RoleName")}[kind]
    h.expect_error(lambda: put(**{key: h.iam_name("none")}, PolicyName="p",
                               PolicyDocument=json.dumps(READ_ONE)), "NoSuchEntity", status=404)


MALFORMED_IDENTITY_POLICIES = {
    "not-json": "{not json",
    "json-array": "[]",
    "bad-effect": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Maybe", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}),
    "no-statement": json.dumps({"Version": "2012-10-17"}),
    # [AWS] "Policy document should not specify a principal."
    "principal-in-identity-policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:*",
         "Resource": "*"}]}),
    # [AWS] "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    "action-without-service": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "GetSecretValue", "Resource": "*"}]}),
    # security.md I17: unknown operators are rejected at write time.
    "unknown-operator": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"StringEqualz": {"aws:username": "x"}}}]}),
    "unknown-element": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Resources": "*"}]}),
    "no-resource": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue"}]}),
}


@pytest.mark.parametrize("document", MALFORMED_IDENTITY_POLICIES.values(),
                         ids=MALFORMED_IDENTITY_POLICIES.keys())
def test_malformed_identity_policy_is_refused_and_not_stored(iam, user_name, document):
    h.expect_error(lambda: iam.put_user_policy(UserName=user_name, PolicyName="bad",
                                               PolicyDocument=document),
                   "MalformedPolicyDocument")
    assert iam.list_user_policies(UserName=user_name)["PolicyNames"] == []
    h.expect_error(lambda: iam.create_policy(PolicyName=h.iam_name("bad"),
                                             PolicyDocument=document),
                   "MalformedPolicyDocument")


# ======================================================== managed policies


def test_create_policy_shape(iam, ids, account):
    name = h.iam_name("managed")
    policy = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(READ_ONE),
                               Description="compat")["Policy"]
    ids.policies.append(policy["Arn"])
    assert {"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount",
            "IsAttachable", "CreateDate", "UpdateDate"} <= set(policy), policy
    assert policy["Arn"] == f"arn:aws:iam::{account}:policy/{name}"
    assert policy["PolicyName"] == name and policy["Path"] == "/"
    assert policy["DefaultVersionId"] == "v1" and policy["AttachmentCount"] == 0
    assert policy["IsAttachable"] is True
    assert_id(policy["PolicyId"], h.PREFIX_POLICY_ID)
    got = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert {k: got[k] for k in ("PolicyName", "PolicyId", "Arn", "DefaultVersionId")} == \
        {k: policy[k] for k in ("PolicyName", "PolicyId", "Arn", "DefaultVersionId")}
    local = h.iam_list_all(iam.list_policies, "Policies", Scope="Local")
    assert policy["Arn"] in {p["Arn"] for p in local}
    h.expect_error(lambda: iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(READ_ONE)),
                   "EntityAlreadyExists", status=409)
    h.expect_error(lambda: iam.get_policy(
        PolicyArn=f"arn:aws:iam::{account}:policy/{h.iam_name('none')}"), "NoSuchEntity",
        status=404)


def test_policy_versions(iam, ids):
    arn = ids.managed_policy("versions", json.dumps(READ_ONE))
    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["VersionId"] == "v1" and v1["IsDefaultVersion"] is True
    assert v1["Document"] == READ_ONE

    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_TWO),
                                   SetAsDefault=False)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    versions = iam.list_policy_versions(PolicyArn=arn)
    assert versions["IsTruncated"] is False
    assert {v["VersionId"]: v["IsDefaultVersion"] for v in versions["Versions"]} == \
        {"v1": True, "v2": False}
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] \
        == READ_TWO

    assert h.members(iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")) == set()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    # [doc] the default version cannot be deleted.
    h.expect_error(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v2"),
                   "DeleteConflict", status=409)
    assert h.members(iam.delete_policy_version(PolicyArn=arn, VersionId="v1")) == set()
    h.expect_error(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v1"),
                   "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.set_default_policy_version(PolicyArn=arn, VersionId="v1"),
                   "NoSuchEntity", status=404)


def test_at_most_five_policy_versions(iam, ids):
    # [doc] "A managed policy can have up to five versions."
    arn = ids.managed_policy("five", json.dumps(READ_ONE))
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_TWO))
    h.expect_error(lambda: iam.create_policy_version(PolicyArn=arn,
                                                     PolicyDocument=json.dumps(READ_TWO)),
                   "LimitExceeded", status=409)
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    h.expect_error(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument="{bad"),
                   "MalformedPolicyDocument")


def test_create_version_as_default(iam, ids):
    arn = ids.managed_policy("setdefault", json.dumps(READ_ONE))
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_TWO),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v2["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == v2["VersionId"]
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"][
        "IsDefaultVersion"] is False


def test_attach_detach_list(iam, ids, user_name):
    arn = ids.managed_policy("attach", json.dumps(READ_ONE))
    name = iam.get_policy(PolicyArn=arn)["Policy"]["PolicyName"]
    group = ids.group("att")
    role = ids.role("att")["RoleName"]
    assert h.members(iam.attach_user_policy(UserName=user_name, PolicyArn=arn)) == set()
    assert h.members(iam.attach_group_policy(GroupName=group, PolicyArn=arn)) == set()
    assert h.members(iam.attach_role_policy(RoleName=role, PolicyArn=arn)) == set()
    expected = [{"PolicyName": name, "PolicyArn": arn}]
    for listed in (iam.list_attached_user_policies(UserName=user_name),
                   iam.list_attached_group_policies(GroupName=group),
                   iam.list_attached_role_policies(RoleName=role)):
        assert listed["AttachedPolicies"] == expected and listed["IsTruncated"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    # Attaching twice is not an error and attaches once.
    iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName=user_name)["AttachedPolicies"] == expected

    # [doc] DeletePolicy: detach it from every user, group and role first.
    h.expect_error(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", status=409)
    assert h.members(iam.detach_user_policy(UserName=user_name, PolicyArn=arn)) == set()
    assert h.members(iam.detach_group_policy(GroupName=group, PolicyArn=arn)) == set()
    assert h.members(iam.detach_role_policy(RoleName=role, PolicyArn=arn)) == set()
    assert iam.list_attached_user_policies(UserName=user_name)["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    h.expect_error(lambda: iam.detach_user_policy(UserName=user_name, PolicyArn=arn),
                   "NoSuchEntity", status=404)

    # [doc] DeletePolicy: "you must delete all the policy's versions" except
    # the default one, which goes with the policy.
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_TWO))
    h.expect_error(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", status=409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert h.members(iam.delete_policy(PolicyArn=arn)) == set()
    h.expect_error(lambda: iam.get_policy(PolicyArn=arn), "NoSuchEntity", status=404)


def test_attach_missing_policy_or_entity(iam, ids, user_name, account):
    missing = f"arn:aws:iam::{account}:policy/{h.iam_name('none')}"
    h.expect_error(lambda: iam.attach_user_policy(UserName=user_name, PolicyArn=missing),
                   "NoSuchEntity", status=404)
    arn = ids.managed_policy("att2", json.dumps(READ_ONE))
    h.expect_error(lambda: iam.attach_user_policy(UserName=h.iam_name("nouser"), PolicyArn=arn),
                   "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.attach_role_policy(RoleName=h.iam_name("norole"), PolicyArn=arn),
                   "NoSuchEntity", status=404)
    h.expect_error(lambda: iam.attach_group_policy(GroupName=h.iam_name("nogrp"), PolicyArn=arn),
                   "NoSuchEntity", status=404)
    assert iam.list_attached_user_policies(UserName=user_name)["AttachedPolicies"] == []


# ============================================== IAM actions are authorized


def test_a_user_without_policy_cannot_manage_identities(ids, iam, account):
    """No privilege escalation: IAM actions need IAM permissions like any
    other ([doc] AccessDenied, HTTP 403, for the query APIs)."""
    me = ids.user("nopriv")
    newbie = h.iam_name("newbie")
    deny = lambda call, action, resource=h.ANY_RESOURCE: h.expect_iam_denied(  # noqa: E731
        call, me.arn, action, resource, h.DENY_NO_IDENTITY_ALLOW)
    deny(lambda: me.iam.create_user(UserName=newbie), "iam:CreateUser",
         h.user_arn(account, newbie))
    deny(lambda: me.iam.put_user_policy(UserName=me.name, PolicyName="escalate",
                                        PolicyDocument=h.policy(h.allow("*"))),
         "iam:PutUserPolicy", me.arn)
    deny(lambda: me.iam.create_access_key(UserName=me.name), "iam:CreateAccessKey", me.arn)
    deny(lambda: me.iam.list_users(), "iam:ListUsers")
    deny(lambda: me.iam.get_user(UserName=me.name), "iam:GetUser", me.arn)
    admin_policy = ids.managed_policy("admin", h.policy(h.allow("*")))
    deny(lambda: me.iam.attach_user_policy(UserName=me.name, PolicyArn=admin_policy),
         "iam:AttachUserPolicy", me.arn)
    role = ids.role("escalate")
    deny(lambda: me.iam.update_assume_role_policy(RoleName=role["RoleName"],
                                                  PolicyDocument=h.trust(me.arn)),
         "iam:UpdateAssumeRolePolicy", role["Arn"])
    # Nothing happened.
    h.expect_error(lambda: iam.get_user(UserName=newbie), "NoSuchEntity", status=404)
    assert iam.list_user_policies(UserName=me.name)["PolicyNames"] == []
    assert iam.list_attached_user_policies(UserName=me.name)["AttachedPolicies"] == []
    assert len(iam.list_access_keys(UserName=me.name)["AccessKeyMetadata"]) == 1
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"] == \
        json.loads(h.trust(h.root_arn(account)))


def test_iam_permissions_are_scoped_by_resource(ids, iam, account):
    prefix = f"c{h.RUN_ID}-team-"
    me = ids.user("iamadmin", policy=h.policy(h.allow(
        ["iam:CreateUser", "iam:DeleteUser", "iam:GetUser"],
        f"arn:aws:iam::{account}:user/{prefix}*")))
    mine = prefix + h.iam_name("m")[-8:]
    assert me.iam.create_user(UserName=mine)["User"]["UserName"] == mine
    ids.users.append(mine)
    assert me.iam.get_user(UserName=mine)["User"]["UserName"] == mine
    other = h.iam_name("other")
    h.expect_iam_denied(lambda: me.iam.create_user(UserName=other), me.arn, "iam:CreateUser",
                        h.user_arn(account, other), h.DENY_NO_IDENTITY_ALLOW)
    h.expect_error(lambda: iam.get_user(UserName=other), "NoSuchEntity", status=404)
    me.iam.delete_user(UserName=mine)
    h.expect_error(lambda: iam.get_user(UserName=mine), "NoSuchEntity", status=404)


def test_users_rotate_their_own_keys(ids, iam, account):
    """[doc] the IAM example "Allows IAM users to rotate their own access
    keys": Resource arn:aws:iam::<acct>:user/${aws:username}."""
    rotate = h.policy(h.allow(["iam:CreateAccessKey", "iam:ListAccessKeys",
                               "iam:UpdateAccessKey", "iam:DeleteAccessKey"],
                              f"arn:aws:iam::{account}:user/${{aws:username}}"))
    me = ids.user("rotator", policy=rotate)
    other = ids.user("bystander")
    new = me.iam.create_access_key(UserName=me.name)["AccessKey"]
    assert new["UserName"] == me.name
    assert len(me.iam.list_access_keys(UserName=me.name)["AccessKeyMetadata"]) == 2
    # (The new key: deactivating the one it signs with would lock it out.)
    me.iam.update_access_key(UserName=me.name, AccessKeyId=new["AccessKeyId"],
                             Status="Inactive")
    h.expect_iam_denied(lambda: me.iam.create_access_key(UserName=other.name), me.arn,
                        "iam:CreateAccessKey", other.arn, h.DENY_NO_IDENTITY_ALLOW)
    assert len(iam.list_access_keys(UserName=other.name)["AccessKeyMetadata"]) == 1


# ============================================================= persistence


@pytest.mark.persistent
def test_identities_and_policies_survive_a_restart(persistent_supported, tmp_path):
    """Persistent mode: `admin-credentials` are the account root; users,
    keys, policies, groups and roles are stored like secrets are."""
    data_dir = tmp_path / "data"
    server = h.persistent_server(persistent_supported, data_dir, tmp_path)
    server.start()
    try:
        akid, secret_key = h.read_admin_credentials(data_dir)
        ep = h.Endpoint(server.endpoint, akid, secret_key)
        me = h.make_client(ep, service="sts").get_caller_identity()
        account = me["Account"]
        assert me["Arn"] == h.root_arn(account)
        sm = h.make_client(ep)
        readable, hidden = h.unique_name("restart-ok"), h.unique_name("restart-no")
        sm.create_secret(Name=readable, SecretString="kept")
        sm.create_secret(Name=hidden, SecretString="hidden")
        ids = h.Identities(ep, account)
        group = ids.group("restart", policy=h.policy(h.allow(
            "secretsmanager:GetSecretValue", h.secret_arn_glob(account, readable))))
        user = ids.user("restart", groups=[group])
        role = ids.role("restart", trusted=[user.arn], policy=h.policy(h.allow(
            "secretsmanager:DescribeSecret", "*")))
        assert user.sm.get_secret_value(SecretId=readable)["SecretString"] == "kept"
        assert server.stop() == 0

        server = h.persistent_server(persistent_supported, data_dir, tmp_path,
                                     log_name="persistent-server-2.log", port=server.port)
        server.start()
        again = h.Principal(user.arn, user.endpoint)
        assert again.sts.get_caller_identity()["Arn"] == user.arn
        assert again.sm.get_secret_value(SecretId=readable)["SecretString"] == "kept"
        h.expect_denied(lambda: again.sm.get_secret_value(SecretId=hidden), user.arn,
                        "secretsmanager:GetSecretValue", reason=h.DENY_NO_IDENTITY_ALLOW)
        session = ids.assume(again, role)
        assert session.sm.describe_secret(SecretId=hidden)["Name"] == hidden
    finally:
        server.stop()
