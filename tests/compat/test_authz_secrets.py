"""Authorization of every Secrets Manager operation: identity policies
(inline, managed, user and group, role), the secret's resource policy, and
how IAM combines them within one account.

Sources ([doc] unless tagged [AWS]): IAM User Guide "Policy evaluation
logic" / "Policy evaluation for requests within a single account" (explicit
Deny › Allow › implicit deny; same account: identity OR resource policy may
allow), "IAM JSON policy elements" (NotAction, NotResource, wildcards), the
Service Authorization Reference for Secrets Manager (each operation's
action, resource type, extra actions: CreateSecret + TagResource /
ReplicateSecretToRegions; BatchGetSecretValue + GetSecretValue per secret +
ListSecrets for filters; ListSecrets and GetRandomPassword have no resource
type), security.md §7 (I1–I20), and the [AWS] denial texts named in
smharness. Every denied call is followed by a check that nothing changed."""

import json
import os

import pytest

import smharness as h

REPLICA = "eu-west-1"
THIRD = "ap-northeast-1"

GET = "secretsmanager:GetSecretValue"
DESCRIBE = "secretsmanager:DescribeSecret"
NO_ALLOW = h.DENY_NO_IDENTITY_ALLOW
EXPLICIT = h.DENY_EXPLICIT_IDENTITY


def ids_of(created):
    """(name as sent, resolved ARN): the two forms a denial may name."""
    return (created["Name"], created["ARN"])


def make(sm, name, value="v", **kwargs):
    return sm.create_secret(Name=name, SecretString=value, **kwargs)


# ============================================== a user with no permission


class World:
    """What the no-permission sweep acts on, created by the account root:
    a secret with two versions (AWSCURRENT, AWSPENDING), tags and a resource
    policy; a secret scheduled for deletion; optionally a secret replicated
    to REPLICA."""

    def __init__(self, sm, client_for, base, account, replicated=False):
        self.sm, self.eu = sm, client_for(REPLICA)
        self.base = base
        self.account = account
        self.main = make(sm, f"{base}/main", "main-value",
                         Tags=[{"Key": "team", "Value": "blue"}])
        self.v1 = self.main["VersionId"]
        self.v2 = sm.put_secret_value(SecretId=self.main["ARN"], SecretString="pending",
                                      VersionStages=["AWSPENDING"])["VersionId"]
        sm.put_resource_policy(SecretId=self.main["ARN"], ResourcePolicy=self.some_policy())
        self.scheduled = make(sm, f"{base}/scheduled")
        sm.delete_secret(SecretId=self.scheduled["ARN"], RecoveryWindowInDays=7)
        self.new_name = f"{base}/new"
        self.replicated = None
        if replicated:
            self.replicated = make(sm, f"{base}/replicated", "r")
            sm.replicate_secret_to_regions(SecretId=self.replicated["ARN"],
                                           AddReplicaRegions=[{"Region": REPLICA}])
            h.poll(lambda: sm.describe_secret(SecretId=self.replicated["ARN"]),
                   lambda d: [r.get("Status") for r in d.get("ReplicationStatus", [])]
                   == ["InSync"])
            self.replica_arn = h.in_region(self.replicated["ARN"], REPLICA)
            h.poll(lambda: _describe_or_none(self.eu, self.replica_arn), lambda d: d is not None)

    def some_policy(self):
        return h.policy(h.allow(GET, "*", principal={"AWS": h.root_arn(self.account)}))

    def snapshot(self):
        out = {
            "main": h.state_of(self.sm, self.main["ARN"]),
            "main-value": self.sm.get_secret_value(SecretId=self.main["ARN"])["SecretString"],
            "scheduled": _describe(self.sm, self.scheduled["ARN"]),
            "new": _describe_or_none(self.sm, self.new_name),
            "names": sorted(s["Name"] for s in h.list_all_secrets(
                self.sm, Filters=[{"Key": "name", "Values": [self.base]}],
                IncludePlannedDeletion=True)),
        }
        if self.replicated:
            out["replicated"] = _describe(self.sm, self.replicated["ARN"])
            out["replica"] = _describe(self.eu, self.replica_arn)
        return out


def _describe(client, sid):
    d = client.describe_secret(SecretId=sid)
    for k in ("ResponseMetadata", "LastAccessedDate"):
        d.pop(k, None)
    for r in d.get("ReplicationStatus", []):
        r.pop("LastAccessedDate", None)
    return d


def _describe_or_none(client, sid):
    try:
        return _describe(client, sid)
    except h.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
        return None


def rotation_arn(account):
    return os.environ.get("TRESOR_COMPAT_NOOP_ROTATION_ARN") or \
        f"arn:aws:lambda:{h.DEFAULT_REGION}:{account}:function:compat-noop-{h.RUN_ID}"


# op -> (needs a replicated secret, region, resource form, call(client, world))
# resource form: "main"/"replicated"/"scheduled"/"replica" = (id as sent, ARN),
# None = an action without a resource type, "any" = not checked.
SM_OPERATIONS = {
    "BatchGetSecretValue": (False, None, None,
                            lambda c, w: c.batch_get_secret_value(SecretIdList=[w.main["ARN"]])),
    "CancelRotateSecret": (False, None, "main",
                           lambda c, w: c.cancel_rotate_secret(SecretId=w.main["Name"])),
    "CreateSecret": (False, None, "any",
                     lambda c, w: c.create_secret(Name=w.new_name, SecretString="x",
                                                  ClientRequestToken=h.token())),
    "DeleteResourcePolicy": (False, None, "main",
                             lambda c, w: c.delete_resource_policy(SecretId=w.main["Name"])),
    "DeleteSecret": (False, None, "main",
                     lambda c, w: c.delete_secret(SecretId=w.main["Name"],
                                                  RecoveryWindowInDays=7)),
    "DescribeSecret": (False, None, "main",
                       lambda c, w: c.describe_secret(SecretId=w.main["Name"])),
    "GetRandomPassword": (False, None, None,
                          lambda c, w: c.get_random_password(PasswordLength=20)),
    "GetResourcePolicy": (False, None, "main",
                          lambda c, w: c.get_resource_policy(SecretId=w.main["Name"])),
    "GetSecretValue": (False, None, "main",
                       lambda c, w: c.get_secret_value(SecretId=w.main["Name"])),
    "ListSecretVersionIds": (False, None, "main",
                             lambda c, w: c.list_secret_version_ids(SecretId=w.main["Name"])),
    "ListSecrets": (False, None, None,
                    lambda c, w: c.list_secrets(Filters=[{"Key": "name",
                                                          "Values": [w.base]}])),
    "PutResourcePolicy": (False, None, "main",
                          lambda c, w: c.put_resource_policy(
                              SecretId=w.main["Name"], ResourcePolicy=w.some_policy())),
    "PutSecretValue": (False, None, "main",
                       lambda c, w: c.put_secret_value(SecretId=w.main["Name"],
                                                       SecretString="attacker",
                                                       ClientRequestToken=h.token())),
    "RemoveRegionsFromReplication": (True, None, "replicated",
                                     lambda c, w: c.remove_regions_from_replication(
                                         SecretId=w.replicated["Name"],
                                         RemoveReplicaRegions=[REPLICA])),
    "ReplicateSecretToRegions": (False, None, "main",
                                 lambda c, w: c.replicate_secret_to_regions(
                                     SecretId=w.main["Name"],
                                     AddReplicaRegions=[{"Region": THIRD}])),
    "RestoreSecret": (False, None, "scheduled",
                      lambda c, w: c.restore_secret(SecretId=w.scheduled["Name"])),
    "RotateSecret": (False, None, "main",
                     lambda c, w: c.rotate_secret(
                         SecretId=w.main["Name"], RotationLambdaARN=rotation_arn(w.account),
                         RotationRules={"AutomaticallyAfterDays": 30},
                         RotateImmediately=False, ClientRequestToken=h.token())),
    "StopReplicationToReplica": (True, REPLICA, "replica",
                                 lambda c, w: c.stop_replication_to_replica(
                                     SecretId=w.replica_arn)),
    "TagResource": (False, None, "main",
                    lambda c, w: c.tag_resource(SecretId=w.main["Name"],
                                                Tags=[{"Key": "evil", "Value": "1"}])),
    "UntagResource": (False, None, "main",
                      lambda c, w: c.untag_resource(SecretId=w.main["Name"], TagKeys=["team"])),
    "UpdateSecret": (False, None, "main",
                     lambda c, w: c.update_secret(SecretId=w.main["Name"],
                                                  Description="changed",
                                                  ClientRequestToken=h.token())),
    "UpdateSecretVersionStage": (False, None, "main",
                                 lambda c, w: c.update_secret_version_stage(
                                     SecretId=w.main["Name"], VersionStage="AWSCURRENT",
                                     MoveToVersionId=w.v2, RemoveFromVersionId=w.v1)),
    "ValidateResourcePolicy": (False, None, "main",
                               lambda c, w: c.validate_resource_policy(
                                   SecretId=w.main["Name"], ResourcePolicy=w.some_policy())),
}


def test_the_sweep_covers_all_23_operations():
    import botocore.session
    model = botocore.session.get_session().get_service_model("secretsmanager")
    assert sorted(SM_OPERATIONS) == sorted(model.operation_names)
    assert len(SM_OPERATIONS) == 23


def _resource(form, w):
    return {
        None: None,
        "any": h.ANY_RESOURCE,
        "main": (w.main["Name"], w.main["ARN"]),
        "scheduled": (w.scheduled["Name"], w.scheduled["ARN"]),
        "replicated": (w.replicated["Name"], w.replicated["ARN"]) if w.replicated else None,
        "replica": (w.replica_arn,) if w.replicated else None,
    }[form]


@pytest.mark.parametrize("operation", sorted(SM_OPERATIONS))
def test_a_user_without_policy_is_denied_every_operation(operation, ids, sm, client_for, name,
                                                        account):
    """Issue acceptance: "A user with no policy can do nothing" — each of
    the 23 operations, called validly (see the root control below), is
    refused with AccessDeniedException in AWS's form, and changes
    nothing."""
    needs_replica, region, form, call = SM_OPERATIONS[operation]
    world = World(sm, client_for, name, account, replicated=needs_replica)
    user = ids.user("nothing")
    client = user.client("secretsmanager", region or h.DEFAULT_REGION)
    before = world.snapshot()
    h.expect_denied(lambda: call(client, world), user.arn, f"secretsmanager:{operation}",
                    _resource(form, world), NO_ALLOW)
    assert world.snapshot() == before


@pytest.mark.parametrize("operation", sorted(SM_OPERATIONS))
def test_the_sweep_calls_are_valid_for_the_root(operation, sm, client_for, name, account):
    """Control for the sweep: the very same calls succeed for the account
    root, so in the sweep only authorization can refuse them. (RotateSecret
    needs an invokable function: without TRESOR_COMPAT_NOOP_ROTATION_ARN it
    fails with AWS's Lambda message, which is not an authorization denial.)"""
    needs_replica, region, _, call = SM_OPERATIONS[operation]
    world = World(sm, client_for, name, account, replicated=needs_replica)
    client = client_for(region or h.DEFAULT_REGION, validate=False)
    if operation == "RotateSecret" and not os.environ.get("TRESOR_COMPAT_NOOP_ROTATION_ARN"):
        h.expect_error(lambda: call(client, world), "AccessDeniedException",
                       h.MSG_LAMBDA_NOT_INVOKABLE)
        return
    resp = call(client, world)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


SECRET_ID_OPERATIONS = sorted(op for op, (_, _, form, _) in SM_OPERATIONS.items()
                              if form not in (None, "any"))


@pytest.mark.parametrize("operation", SECRET_ID_OPERATIONS)
def test_denial_comes_before_existence(operation, ids, name, account):
    """No existence oracle: for a secret that does not exist, a caller
    without permission is told AccessDenied, not ResourceNotFound ([AWS]
    "IAM authorisation happens first", jenkinsci/aws-secrets-manager-
    credentials-provider-plugin#65)."""
    user = ids.user("oracle")
    missing = f"{name}/does-not-exist"

    class Missing:
        main = {"Name": missing, "ARN": missing}
        scheduled = main
        replicated = main
        replica_arn = missing
        v1, v2 = h.token(), h.token()
        base = name
        new_name = missing

        def __init__(self):
            self.account = account

        def some_policy(self):
            return h.policy(h.allow(GET, "*", principal={"AWS": h.root_arn(account)}))

    _, region, _, call = SM_OPERATIONS[operation]
    client = user.client("secretsmanager", region or h.DEFAULT_REGION)
    h.expect_denied(lambda: call(client, Missing()), user.arn, f"secretsmanager:{operation}",
                    h.ANY_RESOURCE, NO_ALLOW)


# ====================================================== the account root


def test_root_is_allowed_whatever_the_resource_policy_grants(sm, ids, name, account):
    """Same account: the root needs no grant; a resource policy that names
    only someone else does not restrict it."""
    someone = ids.user("someone")
    created = make(sm, name, "root-readable")
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": someone.arn})))
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "root-readable"
    sm.put_secret_value(SecretId=created["ARN"], SecretString="still-root")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "still-root"


def test_an_explicit_deny_in_a_resource_policy_stops_the_root(sm, root, name):
    created = make(sm, name, "protected")
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.deny("secretsmanager:DeleteSecret", "*", principal="*")))
    before = h.state_of(sm, name)
    h.expect_denied(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True),
                    root.arn, "secretsmanager:DeleteSecret", ids_of(created),
                    h.DENY_EXPLICIT_RESOURCE)
    assert h.state_of(sm, name) == before
    # The root may still remove the policy, and then delete.
    sm.delete_resource_policy(SecretId=name)
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


# ============================================= read-only, by name prefix


@pytest.fixture
def app_secrets(sm, name):
    return {
        "one": make(sm, f"{name}/app/one", "one"),
        "two": make(sm, f"{name}/app/two", "two"),
        "other": make(sm, f"{name}/other/x", "other"),
    }


READ_ACTIONS = [GET, DESCRIBE, "secretsmanager:ListSecretVersionIds"]


def test_read_only_user_reads_exactly_the_secrets_its_policy_names(ids, sm, app_secrets, name,
                                                                   account):
    user = ids.user("readonly", policy=h.policy(h.allow(
        READ_ACTIONS, h.secrets_under(account, f"{name}/app/"))))
    for key in ("one", "two"):
        s = app_secrets[key]
        # by name, by full ARN, by partial ARN (reference 3.3)
        for sid in (s["Name"], s["ARN"], s["ARN"][:-7]):
            assert user.sm.get_secret_value(SecretId=sid)["SecretString"] == key
        assert user.sm.describe_secret(SecretId=s["Name"])["ARN"] == s["ARN"]
        assert user.sm.list_secret_version_ids(SecretId=s["Name"])["ARN"] == s["ARN"]
    other = app_secrets["other"]
    for action, call in [
        (GET, lambda: user.sm.get_secret_value(SecretId=other["Name"])),
        (DESCRIBE, lambda: user.sm.describe_secret(SecretId=other["Name"])),
        ("secretsmanager:ListSecretVersionIds",
         lambda: user.sm.list_secret_version_ids(SecretId=other["Name"])),
    ]:
        h.expect_denied(call, user.arn, action, ids_of(other), NO_ALLOW)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=other["ARN"]), user.arn, GET,
                    (other["ARN"],), NO_ALLOW)
    h.expect_denied(lambda: user.sm.list_secrets(), user.arn, "secretsmanager:ListSecrets",
                    None, NO_ALLOW)


def test_read_only_user_cannot_write_what_it_reads(ids, sm, app_secrets, name, account):
    user = ids.user("readonly", policy=h.policy(h.allow(
        READ_ACTIONS, h.secrets_under(account, f"{name}/app/"))))
    s = app_secrets["one"]
    before = h.state_of(sm, s["ARN"])
    writes = {
        "secretsmanager:PutSecretValue": lambda: user.sm.put_secret_value(
            SecretId=s["Name"], SecretString="x", ClientRequestToken=h.token()),
        "secretsmanager:UpdateSecret": lambda: user.sm.update_secret(
            SecretId=s["Name"], Description="x", ClientRequestToken=h.token()),
        "secretsmanager:DeleteSecret": lambda: user.sm.delete_secret(SecretId=s["Name"]),
        "secretsmanager:TagResource": lambda: user.sm.tag_resource(
            SecretId=s["Name"], Tags=[{"Key": "k", "Value": "v"}]),
        "secretsmanager:PutResourcePolicy": lambda: user.sm.put_resource_policy(
            SecretId=s["Name"], ResourcePolicy=h.policy(h.allow(
                GET, "*", principal={"AWS": user.arn}))),
        "secretsmanager:GetResourcePolicy": lambda: user.sm.get_resource_policy(
            SecretId=s["Name"]),
    }
    for action, call in writes.items():
        h.expect_denied(call, user.arn, action, ids_of(s), NO_ALLOW)
    assert h.state_of(sm, s["ARN"]) == before
    assert sm.get_secret_value(SecretId=s["ARN"])["SecretString"] == "one"


def test_missing_secret_inside_the_grant_is_not_found_outside_is_denied(ids, name, account):
    """A name that resolves to nothing is authorized against its name-derived
    ARN: inside the grant the caller learns it does not exist, outside it
    learns nothing ([inferred]; the resolved-ARN rule for existing secrets is
    [AWS], measured in ministackorg/ministack#1737)."""
    user = ids.user("readonly", policy=h.policy(h.allow(
        READ_ACTIONS, h.secrets_under(account, f"{name}/app/"))))
    h.expect_error(lambda: user.sm.get_secret_value(SecretId=f"{name}/app/missing"),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)
    missing = f"{name}/other/missing"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=missing),
                    user.arn, GET,
                    (missing, f"arn:aws:secretsmanager:{h.DEFAULT_REGION}:{account}:secret:{missing}"),
                    NO_ALLOW)


def test_the_six_character_suffix_pattern(ids, sm, name, account):
    """[doc] the recommended single-secret Resource `…:secret:<name>-??????`
    matches that secret and not one whose name merely starts the same way
    (I7: `?` is exactly one character)."""
    exact = make(sm, f"{name}/db", "exact")
    longer = make(sm, f"{name}/db-extra", "longer")
    user = ids.user("suffix", policy=h.policy(h.allow(GET, h.secret_arn_glob(account,
                                                                               f"{name}/db"))))
    assert user.sm.get_secret_value(SecretId=exact["Name"])["SecretString"] == "exact"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=longer["Name"]), user.arn, GET,
                    ids_of(longer), NO_ALLOW)


def test_a_grant_on_a_full_arn_does_not_survive_recreation(ids, sm, name):
    """I18: a secret deleted and created again under the same name is a new
    ARN; grants written against the old ARN do not apply to it."""
    old = make(sm, name, "old")
    user = ids.user("fullarn", policy=h.policy(h.allow(GET, old["ARN"])))
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "old"
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    h.poll(lambda: _describe_or_none(sm, name), lambda d: d is None)
    new = make(sm, name, "new")
    assert new["ARN"] != old["ARN"]
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET,
                    ids_of(new), NO_ALLOW)


# =========================================== read-only, by resource tag


@pytest.mark.parametrize("key", ["secretsmanager:ResourceTag/env", "aws:ResourceTag/env"])
def test_read_only_by_resource_tag(ids, sm, name, key):
    dev = make(sm, f"{name}/dev", "dev", Tags=[{"Key": "env", "Value": "dev"}])
    prod = make(sm, f"{name}/prod", "prod", Tags=[{"Key": "env", "Value": "prod"}])
    bare = make(sm, f"{name}/bare", "bare")
    user = ids.user("bytag", policy=h.policy(h.allow([GET, DESCRIBE], "*",
                                                     condition={"StringEquals": {key: "dev"}})))
    assert user.sm.get_secret_value(SecretId=dev["Name"])["SecretString"] == "dev"
    for s in (prod, bare):
        h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["Name"]), user.arn, GET,
                        ids_of(s), NO_ALLOW)
    # Tags are read at each request: retagging moves the grant at once.
    sm.tag_resource(SecretId=prod["ARN"], Tags=[{"Key": "env", "Value": "dev"}])
    sm.tag_resource(SecretId=dev["ARN"], Tags=[{"Key": "env", "Value": "prod"}])
    assert user.sm.get_secret_value(SecretId=prod["Name"])["SecretString"] == "prod"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=dev["Name"]), user.arn, GET,
                    ids_of(dev), NO_ALLOW)


# ============================================================ ListSecrets


def test_list_secrets_needs_the_star_resource(ids, sm, name, account):
    """[doc] ListSecrets has no resource type: a statement scoped to secret
    ARNs does not grant it."""
    make(sm, f"{name}/a")
    user = ids.user("list", policy=h.policy(h.allow("secretsmanager:ListSecrets",
                                                    h.secrets_under(account, name))))
    h.expect_denied(lambda: user.sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}]),
                    user.arn, "secretsmanager:ListSecrets", None, NO_ALLOW)


def test_list_secrets_is_not_filtered_per_secret(ids, sm, name):
    """With ListSecrets on "*" a caller sees every secret's metadata, also
    those it may not read (AWS does no per-secret filtering)."""
    a = make(sm, f"{name}/a")
    b = make(sm, f"{name}/b")
    user = ids.user("list", policy=h.policy(h.allow("secretsmanager:ListSecrets", "*")))
    listed = h.list_all_secrets(user.sm, Filters=[{"Key": "name", "Values": [name]}])
    assert sorted(s["ARN"] for s in listed) == sorted([a["ARN"], b["ARN"]])
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=a["ARN"]), user.arn, GET,
                    (a["ARN"],), NO_ALLOW)


# ======================================================= Deny beats Allow


def _deny_placements(ids, secret_arn):
    """Ways to give a user Allow secretsmanager:* and a Deny on one secret."""
    allow_all = h.allow("secretsmanager:*", "*")
    deny_one = h.deny(GET, secret_arn)
    return {
        "same-policy": lambda: ids.user("deny", policy=h.policy(allow_all, deny_one)),
        "deny-first": lambda: ids.user("deny", policy=h.policy(deny_one, allow_all)),
        "other-inline": lambda: ids.user("deny", policies={"allow": h.policy(allow_all),
                                                           "deny": h.policy(deny_one)}),
        "managed": lambda: ids.user("deny", policy=h.policy(allow_all), managed=[
            ids.managed_policy("deny", h.policy(deny_one))]),
        "group-inline": lambda: ids.user("deny", policy=h.policy(allow_all), groups=[
            ids.group("deny", policy=h.policy(deny_one))]),
        "group-managed": lambda: ids.user("deny", policy=h.policy(allow_all), groups=[
            ids.group("deny", managed=[ids.managed_policy("gdeny", h.policy(deny_one))])]),
    }


@pytest.mark.parametrize("placement", ["same-policy", "deny-first", "other-inline", "managed",
                                       "group-inline", "group-managed"])
def test_identity_deny_beats_identity_allow(ids, sm, name, placement):
    guarded = make(sm, f"{name}/guarded", "guarded")
    open_ = make(sm, f"{name}/open", "open")
    user = _deny_placements(ids, guarded["ARN"])[placement]()
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=guarded["Name"]), user.arn, GET,
                    ids_of(guarded), EXPLICIT)
    assert user.sm.describe_secret(SecretId=guarded["Name"])["ARN"] == guarded["ARN"]
    assert user.sm.get_secret_value(SecretId=open_["Name"])["SecretString"] == "open"


def test_resource_policy_deny_beats_identity_allow(ids, sm, name):
    s = make(sm, name, "v")
    user = ids.user("rpdeny", policy=h.policy(h.allow("secretsmanager:*")))
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.deny(GET, "*", principal={"AWS": user.arn})))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    h.DENY_EXPLICIT_RESOURCE)
    assert user.sm.describe_secret(SecretId=name)["ARN"] == s["ARN"]


def test_resource_policy_deny_for_everyone_applies_to_users(ids, sm, name):
    s = make(sm, name, "v")
    user = ids.user("rpdenyall", policy=h.policy(h.allow("secretsmanager:*")))
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.deny(GET, "*", principal="*")))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn, GET,
                    (s["ARN"],), h.DENY_EXPLICIT_RESOURCE)


def test_identity_deny_beats_resource_policy_allow(ids, sm, name):
    s = make(sm, name, "v")
    user = ids.user("iddeny", policy=h.policy(h.deny(GET, s["ARN"])))
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": user.arn})))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn, GET,
                    (s["ARN"],), EXPLICIT)


def test_deny_with_a_service_wildcard(ids, sm, name):
    s = make(sm, name, "v")
    user = ids.user("wild", policy=h.policy(h.allow(GET), h.deny("secretsmanager:*", s["ARN"])))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["ARN"]), user.arn, GET,
                    (s["ARN"],), EXPLICIT)


# ===================================================== NotAction / NotResource


def test_allow_not_action_grants_everything_else(ids, sm, kms, name):
    """I3: Allow + NotAction grants every other action, other services'
    included."""
    s = make(sm, name, "v")
    user = ids.user("notaction", policy=h.policy(h.allow(
        not_action=["secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
        resource="*")))
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    user.sm.tag_resource(SecretId=name, Tags=[{"Key": "k", "Value": "v"}])
    assert "Keys" in user.kms.list_keys()
    before = h.state_of(sm, name)
    h.expect_denied(lambda: user.sm.delete_secret(SecretId=name), user.arn,
                    "secretsmanager:DeleteSecret", ids_of(s), NO_ALLOW)
    assert h.state_of(sm, name) == before


def test_allow_not_action_iam(ids, sm, name, account):
    """I3: `"NotAction": "iam:*", "Resource": "*"` — everything but IAM."""
    make(sm, name, "v")
    user = ids.user("notiam", policy=h.policy(h.allow(not_action="iam:*", resource="*")))
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    assert "Keys" in user.kms.list_keys()
    h.expect_iam_denied(lambda: user.iam.list_users(), user.arn, "iam:ListUsers",
                        reason=NO_ALLOW)
    h.expect_iam_denied(lambda: user.iam.put_user_policy(
        UserName=user.name, PolicyName="x", PolicyDocument=h.policy(h.allow("*"))),
        user.arn, "iam:PutUserPolicy", user.arn, NO_ALLOW)


def test_deny_not_action_denies_everything_else(ids, sm, name):
    s = make(sm, name, "v")
    # Reading a value is also a kms:Decrypt through Secrets Manager, which
    # an identity-policy Deny reaches too (as on AWS): it is excepted here.
    user = ids.user("denynot", policy=h.policy(h.allow("*"),
                                               h.deny(not_action=[GET, "kms:Decrypt"],
                                                      resource="*")))
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    h.expect_denied(lambda: user.sm.describe_secret(SecretId=name), user.arn, DESCRIBE,
                    ids_of(s), EXPLICIT)
    h.expect_denied(lambda: user.kms.list_keys(), user.arn, "kms:ListKeys", reason=EXPLICIT)


def test_allow_not_resource(ids, sm, name):
    x = make(sm, f"{name}/x", "x")
    y = make(sm, f"{name}/y", "y")
    user = ids.user("notres", policy=h.policy(h.allow(GET, not_resource=x["ARN"])))
    assert user.sm.get_secret_value(SecretId=y["Name"])["SecretString"] == "y"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=x["Name"]), user.arn, GET,
                    ids_of(x), NO_ALLOW)


def test_deny_not_resource(ids, sm, name, account):
    ok = make(sm, f"{name}/ok/a", "ok")
    no = make(sm, f"{name}/no/a", "no")
    user = ids.user("denynotres", policy=h.policy(
        h.allow("secretsmanager:*"),
        h.deny(GET, not_resource=h.secrets_under(account, f"{name}/ok/"))))
    assert user.sm.get_secret_value(SecretId=ok["Name"])["SecretString"] == "ok"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=no["Name"]), user.arn, GET,
                    ids_of(no), EXPLICIT)


# ============================================================ wildcards


def test_action_wildcards_and_case(ids, sm, name):
    s = make(sm, name, "v")
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": h.root_arn(h.account_of(s["ARN"]))})))
    getter = ids.user("getstar", policy=h.policy(h.allow("secretsmanager:Get*")))
    assert getter.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    assert "ResourcePolicy" in getter.sm.get_resource_policy(SecretId=name)
    assert len(getter.sm.get_random_password(PasswordLength=12)["RandomPassword"]) == 12
    h.expect_denied(lambda: getter.sm.describe_secret(SecretId=name), getter.arn, DESCRIBE,
                    ids_of(s), NO_ALLOW)
    # I9: action names are case-insensitive.
    shouty = ids.user("case", policy=h.policy(h.allow("SecretsManager:getSECRETvalue")))
    assert shouty.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    single = ids.user("qmark", policy=h.policy(h.allow("secretsmanager:GetSecretValu?")))
    assert single.sm.get_secret_value(SecretId=name)["SecretString"] == "v"


def test_resource_arns_are_case_sensitive(ids, sm, name, account):
    upper = make(sm, f"{name}/UPPER", "upper")
    lower_pattern = h.secrets_under(account, f"{name}/upper")
    user = ids.user("arncase", policy=h.policy(h.allow(GET, lower_pattern)))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=upper["Name"]), user.arn, GET,
                    ids_of(upper), NO_ALLOW)


def test_resource_wildcards(ids, sm, name, account):
    """I6/I7: `*` spans any characters including `/`; `?` is exactly one."""
    deep = make(sm, f"{name}/a/b/c/deep", "deep")
    one = make(sm, f"{name}/app-1", "one")
    twelve = make(sm, f"{name}/app-12", "twelve")
    star = ids.user("star", policy=h.policy(h.allow(GET, h.secrets_under(account, f"{name}/a/"))))
    assert star.sm.get_secret_value(SecretId=deep["Name"])["SecretString"] == "deep"
    q = ids.user("qm", policy=h.policy(h.allow(GET, h.secret_arn_glob(account, f"{name}/app-?"))))
    assert q.sm.get_secret_value(SecretId=one["Name"])["SecretString"] == "one"
    h.expect_denied(lambda: q.sm.get_secret_value(SecretId=twelve["Name"]), q.arn, GET,
                    ids_of(twelve), NO_ALLOW)


# ========================================================= CreateSecret


def test_create_secret_scoped_by_name(ids, sm, name, account):
    user = ids.user("creator", policy=h.policy(h.allow(
        "secretsmanager:CreateSecret", h.secrets_under(account, f"{name}/team/"))))
    created = user.sm.create_secret(Name=f"{name}/team/x", SecretString="mine",
                                    ClientRequestToken=h.token())
    assert sm.get_secret_value(SecretId=created["ARN"])["SecretString"] == "mine"
    h.expect_denied(lambda: user.sm.create_secret(Name=f"{name}/other/x", SecretString="no",
                                                  ClientRequestToken=h.token()),
                    user.arn, "secretsmanager:CreateSecret", h.ANY_RESOURCE, NO_ALLOW)
    assert _describe_or_none(sm, f"{name}/other/x") is None


def test_create_secret_with_tags_also_needs_tag_resource(ids, sm, name):
    # [doc] Service Authorization Reference: CreateSecret → CreateSecret,
    # TagResource (when tags are given), ReplicateSecretToRegions.
    user = ids.user("tagless", policy=h.policy(h.allow("secretsmanager:CreateSecret")))
    h.expect_denied(lambda: user.sm.create_secret(
        Name=f"{name}/tagged", SecretString="x", ClientRequestToken=h.token(),
        Tags=[{"Key": "team", "Value": "blue"}]),
        user.arn, "secretsmanager:TagResource", h.ANY_RESOURCE, NO_ALLOW)
    assert _describe_or_none(sm, f"{name}/tagged") is None
    h.expect_denied(lambda: user.sm.create_secret(
        Name=f"{name}/replicated", SecretString="x", ClientRequestToken=h.token(),
        AddReplicaRegions=[{"Region": REPLICA}]),
        user.arn, "secretsmanager:ReplicateSecretToRegions", h.ANY_RESOURCE, NO_ALLOW)
    assert _describe_or_none(sm, f"{name}/replicated") is None
    user.sm.create_secret(Name=f"{name}/plain", SecretString="x", ClientRequestToken=h.token())
    tagger = ids.user("tagger", policy=h.policy(h.allow(["secretsmanager:CreateSecret",
                                                         "secretsmanager:TagResource"])))
    tagger.sm.create_secret(Name=f"{name}/tagged", SecretString="x", ClientRequestToken=h.token(),
                            Tags=[{"Key": "team", "Value": "blue"}])
    assert sm.describe_secret(SecretId=f"{name}/tagged")["Tags"] == [
        {"Key": "team", "Value": "blue"}]


# ===================================================== resource policies


def test_resource_policy_naming_a_user_needs_no_identity_policy(ids, sm, name):
    """Same account: a resource policy naming the user's ARN grants on its
    own ([doc] "If either the identity-based policy or the resource-based
    policy within the same account allows the request … allowed")."""
    s = make(sm, f"{name}/shared", "shared")
    other = make(sm, f"{name}/other", "other")
    user = ids.user("rpuser")
    sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": user.arn})))
    assert user.sm.get_secret_value(SecretId=s["Name"])["SecretString"] == "shared"
    h.expect_denied(lambda: user.sm.describe_secret(SecretId=s["Name"]), user.arn, DESCRIBE,
                    ids_of(s), NO_ALLOW)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=other["Name"]), user.arn, GET,
                    ids_of(other), NO_ALLOW)
    # Removing the policy revokes at once.
    sm.delete_resource_policy(SecretId=s["ARN"])
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["Name"]), user.arn, GET,
                    ids_of(s), NO_ALLOW)


def test_resource_policy_naming_the_account_delegates_to_iam(ids, sm, name, account):
    """The account principal in a resource policy delegates to the
    account's identity policies; it grants no user anything by itself."""
    s = make(sm, name, "v")
    sm.put_resource_policy(SecretId=name, ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": h.root_arn(account)})))
    user = ids.user("delegated")
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    NO_ALLOW)


def test_resource_policy_lets_a_role_read_one_secret(ids, sm, name):
    """Issue scope: a resource policy that lets a role (with no identity
    policy) read one secret."""
    s = make(sm, f"{name}/for-role", "role-readable")
    other = make(sm, f"{name}/not-for-role", "no")
    user = ids.user("assumer")
    role = ids.role("rpread", trusted=[user.arn])
    sm.put_resource_policy(SecretId=s["ARN"], ResourcePolicy=h.policy(
        h.allow(GET, "*", principal={"AWS": role["Arn"]})))
    session = ids.assume(user, role)
    assert session.sm.get_secret_value(SecretId=s["Name"])["SecretString"] == "role-readable"
    h.expect_denied(lambda: session.sm.get_secret_value(SecretId=other["Name"]), session.arn,
                    GET, ids_of(other), NO_ALLOW)
    h.expect_denied(lambda: session.sm.describe_secret(SecretId=s["Name"]), session.arn,
                    DESCRIBE, ids_of(s), NO_ALLOW)
    # The user who assumed it was not granted anything.
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=s["Name"]), user.arn, GET,
                    ids_of(s), NO_ALLOW)


# ============================================= groups and policy changes


def test_group_membership_grants_and_removal_revokes_at_once(ids, iam, sm, name):
    s = make(sm, name, "group-readable")
    group = ids.group("readers", policy=h.policy(h.allow(GET, s["ARN"])))
    user = ids.user("member")
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    NO_ALLOW)
    iam.add_user_to_group(GroupName=group, UserName=user.name)
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "group-readable"
    iam.remove_user_from_group(GroupName=group, UserName=user.name)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    NO_ALLOW)


def test_group_managed_policy_and_two_groups(ids, iam, sm, name):
    a = make(sm, f"{name}/a", "a")
    b = make(sm, f"{name}/b", "b")
    ga = ids.group("ga", managed=[ids.managed_policy("ga", h.policy(h.allow(GET, a["ARN"])))])
    gb = ids.group("gb", policy=h.policy(h.allow(GET, b["ARN"])))
    user = ids.user("twogroups", groups=[ga, gb])
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    assert user.sm.get_secret_value(SecretId=b["ARN"])["SecretString"] == "b"
    iam.remove_user_from_group(GroupName=gb, UserName=user.name)
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=b["ARN"]), user.arn, GET,
                    (b["ARN"],), NO_ALLOW)
    [arn] = [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=ga)[
        "AttachedPolicies"]]
    iam.detach_group_policy(GroupName=ga, PolicyArn=arn)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=a["ARN"]), user.arn, GET,
                    (a["ARN"],), NO_ALLOW)


def test_policy_changes_apply_to_the_next_request(ids, iam, sm, name):
    """Read-your-writes for policy changes on one node (no waiting)."""
    s = make(sm, name, "v")
    user = ids.user("live")
    doc = h.policy(h.allow(GET, s["ARN"]))
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=doc)
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    iam.put_user_policy(UserName=user.name, PolicyName="d", PolicyDocument=h.policy(
        h.deny(GET, s["ARN"])))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    EXPLICIT)
    iam.delete_user_policy(UserName=user.name, PolicyName="d")
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    iam.put_user_policy(UserName=user.name, PolicyName="p", PolicyDocument=h.policy(
        h.allow(DESCRIBE, s["ARN"])))
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    NO_ALLOW)
    assert user.sm.describe_secret(SecretId=name)["ARN"] == s["ARN"]
    arn = ids.managed_policy("live", doc)
    iam.attach_user_policy(UserName=user.name, PolicyArn=arn)
    assert user.sm.get_secret_value(SecretId=name)["SecretString"] == "v"
    iam.detach_user_policy(UserName=user.name, PolicyArn=arn)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=name), user.arn, GET, ids_of(s),
                    NO_ALLOW)


def test_managed_policy_default_version_decides(ids, iam, sm, name):
    a = make(sm, f"{name}/a", "a")
    b = make(sm, f"{name}/b", "b")
    arn = ids.managed_policy("versioned", h.policy(h.allow(GET, a["ARN"])))
    user = ids.user("versioned", managed=[arn])
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=h.policy(h.allow(GET, b["ARN"])),
                                   SetAsDefault=False)["PolicyVersion"]["VersionId"]
    # A non-default version changes nothing.
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=b["ARN"]), user.arn, GET,
                    (b["ARN"],), NO_ALLOW)
    iam.set_default_policy_version(PolicyArn=arn, VersionId=v2)
    assert user.sm.get_secret_value(SecretId=b["ARN"])["SecretString"] == "b"
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=a["ARN"]), user.arn, GET,
                    (a["ARN"],), NO_ALLOW)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    iam.delete_policy_version(PolicyArn=arn, VersionId=v2)
    h.expect_denied(lambda: user.sm.get_secret_value(SecretId=b["ARN"]), user.arn, GET,
                    (b["ARN"],), NO_ALLOW)


# ================================================== BatchGetSecretValue


def test_batch_get_reports_denied_secrets_in_errors(ids, sm, name):
    a = make(sm, f"{name}/a", "value-a")
    b = make(sm, f"{name}/b", "value-b")
    missing = f"{name}/missing"
    user = ids.user("batch", policy=h.policy(
        h.allow("secretsmanager:BatchGetSecretValue", "*"), h.allow(GET, a["ARN"])))
    resp = user.sm.batch_get_secret_value(SecretIdList=[a["Name"], b["ARN"], missing])
    assert [v["ARN"] for v in resp["SecretValues"]] == [a["ARN"]]
    assert resp["SecretValues"][0]["SecretString"] == "value-a"
    errors = {e["SecretId"]: e for e in resp["Errors"]}
    assert set(errors) == {b["ARN"], missing}, resp["Errors"]
    assert errors[b["ARN"]]["ErrorCode"] == "AccessDeniedException"
    assert errors[b["ARN"]]["Message"].startswith(
        f"User: {user.arn} is not authorized to perform: {GET}"), errors[b["ARN"]]
    assert "value-b" not in json.dumps(resp, default=str)
    # Outside the grant, a missing secret is a denial too (no existence oracle).
    assert errors[missing]["ErrorCode"] == "AccessDeniedException"


def test_batch_get_needs_its_own_action(ids, sm, name):
    a = make(sm, f"{name}/a", "value-a")
    user = ids.user("nobatch", policy=h.policy(h.allow(GET, "*")))
    h.expect_denied(lambda: user.sm.batch_get_secret_value(SecretIdList=[a["ARN"]]), user.arn,
                    "secretsmanager:BatchGetSecretValue", None, NO_ALLOW)


def test_batch_get_by_filters_needs_list_secrets(ids, sm, name):
    # [doc] BatchGetSecretValue: "If you use filters, you must also have
    # secretsmanager:ListSecrets".
    a = make(sm, f"{name}/a", "value-a")
    b = make(sm, f"{name}/b", "value-b")
    flt = [{"Key": "name", "Values": [name]}]
    without = ids.user("nolist", policy=h.policy(
        h.allow("secretsmanager:BatchGetSecretValue", "*"), h.allow(GET, a["ARN"])))
    h.expect_denied(lambda: without.sm.batch_get_secret_value(Filters=flt), without.arn,
                    "secretsmanager:ListSecrets", None, NO_ALLOW)
    with_list = ids.user("list", policy=h.policy(
        h.allow(["secretsmanager:BatchGetSecretValue", "secretsmanager:ListSecrets"], "*"),
        h.allow(GET, a["ARN"])))
    resp = with_list.sm.batch_get_secret_value(Filters=flt)
    assert [v["ARN"] for v in resp["SecretValues"]] == [a["ARN"]]
    assert [(e["SecretId"] in (b["ARN"], b["Name"]), e["ErrorCode"])
            for e in resp["Errors"]] == [(True, "AccessDeniedException")]
