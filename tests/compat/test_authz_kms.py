"""Authorization of the KMS API and of Secrets Manager's use of KMS keys:
identity policies, key policies (the default key policy delegates to IAM
through the account principal), explicit denies, the KMS condition keys,
and kms:Decrypt / kms:GenerateDataKey for secrets under customer keys.

Sources ([doc] unless tagged): KMS Developer Guide "Key policies" / "Default
key policy" / "Allows access to the AWS account and enables IAM policies",
"Permissions reference" (which operations take a key resource; CreateAlias
needs the alias and the key; ReEncrypt = ReEncryptFrom + ReEncryptTo;
CreateKey, ListKeys, ListAliases and GenerateRandom have no key resource),
"kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:",
PutKeyPolicy's lockout safety check; Secrets Manager "Secret encryption
and decryption" (GetSecretValue needs kms:Decrypt and writes need
kms:GenerateDataKey on a customer managed key; the AWS managed key is used
through Secrets Manager only); [AWS] messages named in smharness and
test_kms_keys.py."""

import base64
import json

import pytest

import smharness as h

NO_ALLOW = h.DENY_NO_IDENTITY_ALLOW
VIA_SM = f"secretsmanager.{h.DEFAULT_REGION}.amazonaws.com"


def key_policy(account, *extra):
    """The default key policy plus `extra` statements."""
    doc = h.default_key_policy(account)
    doc["Statement"].extend(extra)
    return json.dumps(doc)


# ============================================== a user with no permission


class KmsWorld:
    """Keys and aliases made by the account root for the sweep."""

    def __init__(self, kms, tag):
        self.kms = kms
        self.account = kms.create_key(Description=f"compat {tag}")["KeyMetadata"]["AWSAccountId"]
        mk = lambda d: kms.create_key(Description=f"compat {tag} {d}")["KeyMetadata"]  # noqa
        self.key = mk("main")
        kms.tag_resource(KeyId=self.key["KeyId"], Tags=[{"TagKey": "team", "TagValue": "blue"}])
        kms.enable_key_rotation(KeyId=self.key["KeyId"])
        self.key2 = mk("second")
        self.disabled = mk("disabled")
        kms.disable_key(KeyId=self.disabled["KeyId"])
        self.pending = mk("pending")
        kms.schedule_key_deletion(KeyId=self.pending["KeyId"], PendingWindowInDays=7)
        self.alias = h.unique_alias(f"{tag}-a")
        kms.create_alias(AliasName=self.alias, TargetKeyId=self.key["KeyId"])
        self.new_alias = h.unique_alias(f"{tag}-new")
        self.context = {"purpose": "sweep"}
        self.blob = kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"sweep plaintext",
                                EncryptionContext=self.context)["CiphertextBlob"]

    def keys(self):
        return [self.key, self.key2, self.disabled, self.pending]

    def snapshot(self):
        kms = self.kms
        out = {"key-count": len(h.list_all(kms.list_keys, "Keys"))}
        for k in self.keys():
            kid = k["KeyId"]
            md = kms.describe_key(KeyId=kid)["KeyMetadata"]
            state = {"metadata": md,
                     "policy": json.loads(kms.get_key_policy(KeyId=kid, PolicyName="default")[
                         "Policy"]),
                     "tags": kms.list_resource_tags(KeyId=kid)["Tags"],
                     "aliases": sorted((a["AliasName"], a.get("TargetKeyId")) for a in
                                       kms.list_aliases(KeyId=kid)["Aliases"])}
            if md["KeyState"] != "PendingDeletion":
                state["rotation"] = kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"]
                state["rotations"] = kms.list_key_rotations(KeyId=kid)["Rotations"]
            out[kid] = state
        out["new-alias"] = [a for a in h.list_all(kms.list_aliases, "Aliases")
                            if a["AliasName"] == self.new_alias]
        return out


# op -> (resource form, actions, call(client, world)); form "key"/"key2"/
# "disabled"/"pending" = that key's ARN, None = no key resource, "any".
KMS_OPERATIONS = {
    "CancelKeyDeletion": ("pending", None,
                          lambda c, w: c.cancel_key_deletion(KeyId=w.pending["KeyId"])),
    "CreateAlias": ("any", None,
                    lambda c, w: c.create_alias(AliasName=w.new_alias,
                                                TargetKeyId=w.key["KeyId"])),
    "CreateKey": (None, None, lambda c, w: c.create_key(Description="sweep")),
    "Decrypt": ("key", None, lambda c, w: c.decrypt(CiphertextBlob=w.blob,
                                                     EncryptionContext=w.context)),
    "DeleteAlias": ("any", None, lambda c, w: c.delete_alias(AliasName=w.alias)),
    "DescribeKey": ("key", None, lambda c, w: c.describe_key(KeyId=w.key["KeyId"])),
    "DisableKey": ("key", None, lambda c, w: c.disable_key(KeyId=w.key["KeyId"])),
    "DisableKeyRotation": ("key", None,
                           lambda c, w: c.disable_key_rotation(KeyId=w.key["KeyId"])),
    "EnableKey": ("disabled", None, lambda c, w: c.enable_key(KeyId=w.disabled["KeyId"])),
    "EnableKeyRotation": ("key2", None,
                          lambda c, w: c.enable_key_rotation(KeyId=w.key2["KeyId"])),
    "Encrypt": ("key", None, lambda c, w: c.encrypt(KeyId=w.key["KeyId"], Plaintext=b"x")),
    "GenerateDataKey": ("key", None, lambda c, w: c.generate_data_key(KeyId=w.key["KeyId"],
                                                                      KeySpec="AES_256")),
    "GenerateDataKeyWithoutPlaintext": ("key", None,
                                        lambda c, w: c.generate_data_key_without_plaintext(
                                            KeyId=w.key["KeyId"], KeySpec="AES_256")),
    "GenerateRandom": (None, None, lambda c, w: c.generate_random(NumberOfBytes=16)),
    "GetKeyPolicy": ("key", None, lambda c, w: c.get_key_policy(KeyId=w.key["KeyId"],
                                                                PolicyName="default")),
    "GetKeyRotationStatus": ("key", None,
                             lambda c, w: c.get_key_rotation_status(KeyId=w.key["KeyId"])),
    "ListAliases": (None, None, lambda c, w: c.list_aliases()),
    "ListKeyPolicies": ("key", None, lambda c, w: c.list_key_policies(KeyId=w.key["KeyId"])),
    "ListKeyRotations": ("key", None, lambda c, w: c.list_key_rotations(KeyId=w.key["KeyId"])),
    "ListKeys": (None, None, lambda c, w: c.list_keys()),
    "ListResourceTags": ("key", None, lambda c, w: c.list_resource_tags(KeyId=w.key["KeyId"])),
    "PutKeyPolicy": ("key", None, lambda c, w: c.put_key_policy(
        KeyId=w.key["KeyId"], PolicyName="default", Policy=key_policy(w.account, {
            "Sid": "sweep", "Effect": "Allow", "Principal": {"AWS": h.root_arn(w.account)},
            "Action": "kms:ListGrants", "Resource": "*"}))),
    "ReEncrypt": ("any", ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
                  lambda c, w: c.re_encrypt(CiphertextBlob=w.blob,
                                            SourceEncryptionContext=w.context,
                                            DestinationKeyId=w.key2["KeyId"])),
    "RotateKeyOnDemand": ("key", None, lambda c, w: c.rotate_key_on_demand(KeyId=w.key["KeyId"])),
    "ScheduleKeyDeletion": ("key", None, lambda c, w: c.schedule_key_deletion(
        KeyId=w.key["KeyId"], PendingWindowInDays=7)),
    "TagResource": ("key", None, lambda c, w: c.tag_resource(
        KeyId=w.key["KeyId"], Tags=[{"TagKey": "evil", "TagValue": "1"}])),
    "UntagResource": ("key", None, lambda c, w: c.untag_resource(KeyId=w.key["KeyId"],
                                                                 TagKeys=["team"])),
    "UpdateAlias": ("any", None, lambda c, w: c.update_alias(AliasName=w.alias,
                                                             TargetKeyId=w.key2["KeyId"])),
    "UpdateKeyDescription": ("key", None, lambda c, w: c.update_key_description(
        KeyId=w.key["KeyId"], Description="changed")),
}


def test_the_sweep_covers_every_served_kms_operation():
    """The 29 operations Tresor's KMS serves (crates/server/src/service/kms);
    every other KMS operation answers UnsupportedOperationException."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("kms")
    assert set(KMS_OPERATIONS) <= set(model.operation_names)
    assert len(KMS_OPERATIONS) == 29


def _resource(form, w):
    if form is None:
        return None
    if form == "any":
        return h.ANY_RESOURCE
    return ({"key": w.key, "key2": w.key2, "disabled": w.disabled, "pending": w.pending}[form]
            ["Arn"],)


@pytest.mark.parametrize("operation", sorted(KMS_OPERATIONS))
def test_a_user_without_policy_is_denied_every_kms_operation(operation, ids, kms):
    form, actions, call = KMS_OPERATIONS[operation]
    world = KmsWorld(kms, operation)
    user = ids.user("nothing")
    before = world.snapshot()
    h.expect_denied(lambda: call(user.kms, world), user.arn, actions or f"kms:{operation}",
                    _resource(form, world), NO_ALLOW)
    assert world.snapshot() == before


@pytest.mark.parametrize("operation", sorted(KMS_OPERATIONS))
def test_the_kms_sweep_calls_are_valid_for_the_root(operation, kms):
    _, _, call = KMS_OPERATIONS[operation]
    world = KmsWorld(kms, operation)
    assert call(kms, world)["ResponseMetadata"]["HTTPStatusCode"] == 200


# ================================================ IAM under the default policy


@pytest.fixture
def two_keys(kms):
    a = kms.create_key(Description="compat authz a")["KeyMetadata"]
    b = kms.create_key(Description="compat authz b")["KeyMetadata"]
    return a, b


def test_iam_policy_grants_a_key_under_the_default_key_policy(ids, two_keys):
    a, b = two_keys
    user = ids.user("keyuser", policy=h.policy(h.allow(
        ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], a["Arn"])))
    blob = user.kms.encrypt(KeyId=a["KeyId"], Plaintext=b"hello")["CiphertextBlob"]
    assert user.kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"hello"
    assert user.kms.describe_key(KeyId=a["Arn"])["KeyMetadata"]["KeyId"] == a["KeyId"]
    h.expect_denied(lambda: user.kms.encrypt(KeyId=b["KeyId"], Plaintext=b"x"), user.arn,
                    "kms:Encrypt", (b["Arn"],), NO_ALLOW)
    h.expect_denied(lambda: user.kms.generate_data_key(KeyId=a["KeyId"], KeySpec="AES_256"),
                    user.arn, "kms:GenerateDataKey", (a["Arn"],), NO_ALLOW)


def test_decrypt_is_authorized_against_the_key_inside_the_ciphertext(ids, kms, two_keys):
    """Decrypt names no key: the key is the one the ciphertext belongs to."""
    a, b = two_keys
    user = ids.user("decrypter", policy=h.policy(h.allow("kms:Decrypt", a["Arn"])))
    blob_a = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"for a")["CiphertextBlob"]
    blob_b = kms.encrypt(KeyId=b["KeyId"], Plaintext=b"for b")["CiphertextBlob"]
    assert user.kms.decrypt(CiphertextBlob=blob_a)["Plaintext"] == b"for a"
    h.expect_denied(lambda: user.kms.decrypt(CiphertextBlob=blob_b), user.arn, "kms:Decrypt",
                    (b["Arn"],), NO_ALLOW)


def test_an_alias_is_authorized_as_its_key(ids, kms, two_keys, alias_name, account):
    """Using a key through its alias is authorized against the key; a
    statement on the alias ARN does not grant use of the key."""
    a, _ = two_keys
    kms.create_alias(AliasName=alias_name, TargetKeyId=a["KeyId"])
    by_key = ids.user("bykey", policy=h.policy(h.allow("kms:Encrypt", a["Arn"])))
    assert by_key.kms.encrypt(KeyId=alias_name, Plaintext=b"x")["KeyId"] == a["Arn"]
    alias_arn = h.alias_arn(h.DEFAULT_REGION, account, alias_name)
    by_alias = ids.user("byalias", policy=h.policy(h.allow("kms:Encrypt", alias_arn)))
    h.expect_denied(lambda: by_alias.kms.encrypt(KeyId=alias_name, Plaintext=b"x"), by_alias.arn,
                    "kms:Encrypt", (a["Arn"],), NO_ALLOW)


def test_re_encrypt_needs_from_and_to(ids, kms, two_keys):
    a, b = two_keys
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"moving")["CiphertextBlob"]
    only_from = ids.user("from", policy=h.policy(h.allow("kms:ReEncryptFrom", a["Arn"])))
    h.expect_denied(lambda: only_from.kms.re_encrypt(CiphertextBlob=blob,
                                                     DestinationKeyId=b["KeyId"]),
                    only_from.arn, "kms:ReEncryptTo", (b["Arn"],), NO_ALLOW)
    both = ids.user("both", policy=h.policy(h.allow("kms:ReEncrypt*", [a["Arn"], b["Arn"]])))
    moved = both.kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=b["KeyId"])
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"moving"


def test_actions_without_a_key_resource_need_star(ids, two_keys):
    a, _ = two_keys
    scoped = ids.user("scoped", policy=h.policy(h.allow(
        ["kms:ListKeys", "kms:ListAliases", "kms:CreateKey", "kms:GenerateRandom"], a["Arn"])))
    for action, call in [("kms:ListKeys", lambda: scoped.kms.list_keys()),
                         ("kms:ListAliases", lambda: scoped.kms.list_aliases()),
                         ("kms:CreateKey", lambda: scoped.kms.create_key()),
                         ("kms:GenerateRandom", lambda: scoped.kms.generate_random(
                             NumberOfBytes=8))]:
        h.expect_denied(call, scoped.arn, action, None, NO_ALLOW)
    star = ids.user("star", policy=h.policy(h.allow(
        ["kms:ListKeys", "kms:ListAliases", "kms:GenerateRandom"], "*")))
    assert a["KeyId"] in {k["KeyId"] for k in h.list_all(star.kms.list_keys, "Keys")}
    assert len(star.kms.generate_random(NumberOfBytes=8)["Plaintext"]) == 8
    assert "Aliases" in star.kms.list_aliases()


def test_create_alias_needs_the_alias_and_the_key(ids, kms, two_keys, alias_name, account):
    a, _ = two_keys
    alias_arn = h.alias_arn(h.DEFAULT_REGION, account, alias_name)
    key_only = ids.user("keyonly", policy=h.policy(h.allow("kms:CreateAlias", a["Arn"])))
    h.expect_denied(lambda: key_only.kms.create_alias(AliasName=alias_name,
                                                      TargetKeyId=a["KeyId"]),
                    key_only.arn, "kms:CreateAlias", h.ANY_RESOURCE, NO_ALLOW)
    assert kms.list_aliases(KeyId=a["KeyId"])["Aliases"] == []
    both = ids.user("aliasandkey", policy=h.policy(h.allow("kms:CreateAlias",
                                                           [a["Arn"], alias_arn])))
    both.kms.create_alias(AliasName=alias_name, TargetKeyId=a["KeyId"])
    assert [x["AliasName"] for x in kms.list_aliases(KeyId=a["KeyId"])["Aliases"]] == [alias_name]


# ============================================================ key policies


KEY_ADMIN_ACTIONS = ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Enable*",
                     "kms:Disable*", "kms:Update*", "kms:TagResource", "kms:UntagResource",
                     "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]


def test_without_iam_delegation_iam_policies_cannot_grant(ids, kms, account):
    """A key policy whose account statement covers administration only: IAM
    policies then grant administration, never use of the key ([AWS] "because
    no resource-based policy allows", aws-ia/terraform-aws-eks-blueprints#485)."""
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Key administrators", "Effect": "Allow",
        "Principal": {"AWS": h.root_arn(account)}, "Action": KEY_ADMIN_ACTIONS,
        "Resource": "*"}]})
    key = kms.create_key(Policy=doc)["KeyMetadata"]
    user = ids.user("iamonly", policy=h.policy(h.allow("kms:*")))
    assert user.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Arn"] == key["Arn"]
    h.expect_denied(lambda: user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x"), user.arn,
                    "kms:Encrypt", (key["Arn"],), h.DENY_NO_RESOURCE_ALLOW)


def test_key_policy_naming_a_user_grants_without_iam(ids, kms, account):
    user = ids.user("keypolicyuser")
    key = kms.create_key(Policy=key_policy(account, {
        "Sid": "User", "Effect": "Allow", "Principal": {"AWS": user.arn},
        "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}))["KeyMetadata"]
    blob = user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
    assert user.kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"direct"
    h.expect_denied(lambda: user.kms.describe_key(KeyId=key["KeyId"]), user.arn,
                    "kms:DescribeKey", (key["Arn"],))


def test_key_policy_deny_beats_iam_allow(ids, kms, account):
    user = ids.user("kpdeny", policy=h.policy(h.allow("kms:*")))
    key = kms.create_key(Policy=key_policy(account, {
        "Sid": "No decrypt", "Effect": "Deny", "Principal": {"AWS": user.arn},
        "Action": "kms:Decrypt", "Resource": "*"}))["KeyMetadata"]
    blob = user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    h.expect_denied(lambda: user.kms.decrypt(CiphertextBlob=blob), user.arn, "kms:Decrypt",
                    (key["Arn"],), h.DENY_EXPLICIT_RESOURCE)


def test_iam_deny_beats_key_policy_allow(ids, kms, account):
    user = ids.user("iamdeny", policy=h.policy(h.deny("kms:Encrypt")))
    key = kms.create_key(Policy=key_policy(account, {
        "Sid": "User", "Effect": "Allow", "Principal": {"AWS": user.arn},
        "Action": "kms:Encrypt", "Resource": "*"}))["KeyMetadata"]
    h.expect_denied(lambda: user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x"), user.arn,
                    "kms:Encrypt", (key["Arn"],), h.DENY_EXPLICIT_IDENTITY)


def test_key_policy_deny_stops_the_root(kms, root, account):
    key = kms.create_key(Policy=key_policy(account, {
        "Sid": "Never disable", "Effect": "Deny", "Principal": {"AWS": "*"},
        "Action": "kms:DisableKey", "Resource": "*"}))["KeyMetadata"]
    h.expect_denied(lambda: kms.disable_key(KeyId=key["KeyId"]), root.arn, "kms:DisableKey",
                    (key["Arn"],), h.DENY_EXPLICIT_RESOURCE)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=key_policy(account))
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"


def test_put_key_policy_lockout_safety_check(kms, key, ids):
    """[doc] PutKeyPolicy / CreateKey: a policy that would not let the caller
    change the key policy again is refused (MalformedPolicyDocumentException)
    unless BypassPolicyLockoutSafetyCheck is set."""
    other = ids.user("onlyme", key=False)
    lockout = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": other.arn}, "Action": "kms:*",
        "Resource": "*"}]})
    h.expect_error(lambda: kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                                              Policy=lockout),
                   "MalformedPolicyDocumentException")
    assert json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]) \
        == h.default_key_policy(key["AWSAccountId"])
    before = len(h.list_all(kms.list_keys, "Keys"))
    h.expect_error(lambda: kms.create_key(Policy=lockout), "MalformedPolicyDocumentException")
    assert len(h.list_all(kms.list_keys, "Keys")) == before


def test_aws_managed_key_is_usable_only_through_secrets_manager(ids, sm, kms, name):
    """The aws/secretsmanager key policy allows cryptographic use only via
    Secrets Manager (kms:ViaService) and metadata reads to the account."""
    sm.create_secret(Name=name, SecretString="default key")
    user = ids.user("managed", policy=h.policy(h.allow("kms:*")))
    md = user.kms.describe_key(KeyId=h.DEFAULT_SM_ALIAS)["KeyMetadata"]
    assert md["KeyManager"] == "AWS"
    h.expect_denied(lambda: user.kms.encrypt(KeyId=h.DEFAULT_SM_ALIAS, Plaintext=b"x"), user.arn,
                    "kms:Encrypt", (md["Arn"],))


# ========================================================== KMS conditions


def test_encryption_context_condition(ids, key):
    user = ids.user("context", policy=h.policy(h.allow(
        ["kms:Encrypt", "kms:Decrypt"], key["Arn"],
        condition={"StringEquals": {"kms:EncryptionContext:purpose": "compat"}})))
    blob = user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x",
                            EncryptionContext={"purpose": "compat"})["CiphertextBlob"]
    assert user.kms.decrypt(CiphertextBlob=blob,
                            EncryptionContext={"purpose": "compat"})["Plaintext"] == b"x"
    for ctx in ({"purpose": "other"}, {}):
        h.expect_denied(lambda: user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x",
                                                 EncryptionContext=ctx),
                        user.arn, "kms:Encrypt", (key["Arn"],), NO_ALLOW)


def test_caller_account_condition_in_a_key_policy(ids, kms, account):
    other_account = "111111111111" if account != "111111111111" else "222222222222"
    user = ids.user("calleracct")
    stmt = lambda acct: {"Sid": "Account", "Effect": "Allow",  # noqa: E731
                         "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*",
                         "Condition": {"StringEquals": {"kms:CallerAccount": acct}}}
    mine = kms.create_key(Policy=key_policy(account, stmt(account)))["KeyMetadata"]
    theirs = kms.create_key(Policy=key_policy(account, stmt(other_account)))["KeyMetadata"]
    assert user.kms.encrypt(KeyId=mine["KeyId"], Plaintext=b"x")["KeyId"] == mine["Arn"]
    h.expect_denied(lambda: user.kms.encrypt(KeyId=theirs["KeyId"], Plaintext=b"x"), user.arn,
                    "kms:Encrypt", (theirs["Arn"],))


# ============================================ Secrets Manager on KMS keys


def test_get_secret_value_needs_kms_decrypt_on_a_customer_key(ids, sm, kms, name, two_keys):
    a, b = two_keys
    default = sm.create_secret(Name=f"{name}/default", SecretString="aws-managed")
    customer = sm.create_secret(Name=f"{name}/customer", SecretString="customer",
                                KmsKeyId=a["Arn"])
    user = ids.user("smreader", policy=h.policy(h.allow("secretsmanager:GetSecretValue")))
    # The AWS managed key needs no KMS permission.
    assert user.sm.get_secret_value(SecretId=default["ARN"])["SecretString"] == "aws-managed"
    # [AWS] "Access to KMS is not allowed" (reference section 2).
    h.expect_error(lambda: user.sm.get_secret_value(SecretId=customer["ARN"]),
                   "AccessDeniedException", h.MSG_KMS_NOT_ALLOWED)
    ids.iam.put_user_policy(UserName=user.name, PolicyName="wrongkey",
                            PolicyDocument=h.policy(h.allow("kms:Decrypt", b["Arn"])))
    h.expect_error(lambda: user.sm.get_secret_value(SecretId=customer["ARN"]),
                   "AccessDeniedException", h.MSG_KMS_NOT_ALLOWED)
    ids.iam.put_user_policy(UserName=user.name, PolicyName="rightkey",
                            PolicyDocument=h.policy(h.allow("kms:Decrypt", a["Arn"])))
    assert user.sm.get_secret_value(SecretId=customer["ARN"])["SecretString"] == "customer"


def test_kms_decrypt_only_via_secrets_manager(ids, sm, key, name):
    secret = sm.create_secret(Name=name, SecretString="via sm", KmsKeyId=key["Arn"])
    user = ids.user("viasm", policy=h.policy(
        h.allow("secretsmanager:GetSecretValue"),
        h.allow("kms:Encrypt", key["Arn"]),
        h.allow("kms:Decrypt", key["Arn"],
                condition={"StringEquals": {"kms:ViaService": VIA_SM}})))
    assert user.sm.get_secret_value(SecretId=secret["ARN"])["SecretString"] == "via sm"
    blob = user.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
    h.expect_denied(lambda: user.kms.decrypt(CiphertextBlob=blob), user.arn, "kms:Decrypt",
                    (key["Arn"],), NO_ALLOW)


def test_secret_arn_encryption_context_condition(ids, sm, key, name):
    """[doc] Secrets Manager's encryption context is {SecretARN,
    SecretVersionId}; kms:EncryptionContext:SecretARN limits a key to some
    secrets."""
    a = sm.create_secret(Name=f"{name}/a", SecretString="a", KmsKeyId=key["Arn"])
    b = sm.create_secret(Name=f"{name}/b", SecretString="b", KmsKeyId=key["Arn"])
    user = ids.user("ctxarn", policy=h.policy(
        h.allow("secretsmanager:GetSecretValue"),
        h.allow("kms:Decrypt", key["Arn"], condition={
            "StringEquals": {"kms:EncryptionContext:SecretARN": a["ARN"]}})))
    assert user.sm.get_secret_value(SecretId=a["ARN"])["SecretString"] == "a"
    h.expect_error(lambda: user.sm.get_secret_value(SecretId=b["ARN"]), "AccessDeniedException",
                   h.MSG_KMS_NOT_ALLOWED)


def test_writing_under_a_customer_key_needs_generate_data_key(ids, sm, key, name):
    existing = sm.create_secret(Name=f"{name}/existing", SecretString="v1", KmsKeyId=key["Arn"])
    sm_only = ids.user("nokms", policy=h.policy(h.allow(
        ["secretsmanager:PutSecretValue", "secretsmanager:CreateSecret",
         "secretsmanager:GetSecretValue"])))
    before = h.state_of(sm, existing["ARN"])
    h.expect_error(lambda: sm_only.sm.put_secret_value(SecretId=existing["ARN"],
                                                       SecretString="v2",
                                                       ClientRequestToken=h.token()),
                   "AccessDeniedException")
    assert h.state_of(sm, existing["ARN"]) == before
    h.expect_error(lambda: sm_only.sm.create_secret(Name=f"{name}/new", SecretString="x",
                                                    KmsKeyId=key["Arn"],
                                                    ClientRequestToken=h.token()),
                   "AccessDeniedException")
    h.expect_error(lambda: sm.describe_secret(SecretId=f"{name}/new"),
                   "ResourceNotFoundException")
    # The same user writes freely under the AWS managed key.
    sm_only.sm.create_secret(Name=f"{name}/managed", SecretString="m",
                             ClientRequestToken=h.token())
    with_kms = ids.user("withkms", policy=h.policy(
        h.allow(["secretsmanager:PutSecretValue", "secretsmanager:CreateSecret",
                 "secretsmanager:GetSecretValue"]),
        h.allow(["kms:GenerateDataKey", "kms:Decrypt"], key["Arn"])))
    with_kms.sm.put_secret_value(SecretId=existing["ARN"], SecretString="v2",
                                 ClientRequestToken=h.token())
    assert with_kms.sm.get_secret_value(SecretId=existing["ARN"])["SecretString"] == "v2"
    with_kms.sm.create_secret(Name=f"{name}/new", SecretString="x", KmsKeyId=key["Arn"],
                              ClientRequestToken=h.token())
    assert sm.get_secret_value(SecretId=f"{name}/new")["SecretString"] == "x"


def test_batch_get_reports_a_kms_denial_per_secret(ids, sm, key, name):
    """[inferred] the KMS refusal GetSecretValue gives ("Access to KMS is not
    allowed") appears as that secret's AccessDeniedException entry; the
    others are returned."""
    plain = sm.create_secret(Name=f"{name}/plain", SecretString="plain")
    locked = sm.create_secret(Name=f"{name}/locked", SecretString="locked", KmsKeyId=key["Arn"])
    user = ids.user("batchkms", policy=h.policy(h.allow(
        ["secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"])))
    resp = user.sm.batch_get_secret_value(SecretIdList=[plain["ARN"], locked["ARN"]])
    assert [v["ARN"] for v in resp["SecretValues"]] == [plain["ARN"]]
    [err] = resp["Errors"]
    assert err["SecretId"] == locked["ARN"] and err["ErrorCode"] == "AccessDeniedException"
    assert "locked" not in json.dumps(resp["SecretValues"], default=str)
    assert base64.b64encode(b"locked").decode() not in json.dumps(resp, default=str)
