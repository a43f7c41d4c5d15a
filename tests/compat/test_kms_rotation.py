"""KMS key rotation: EnableKeyRotation / DisableKeyRotation /
GetKeyRotationStatus (RotationPeriodInDays 90-2560, default 365),
RotateKeyOnDemand and ListKeyRotations — new key material encrypts, every
older material still decrypts."""

import datetime as dt

import pytest

import smharness as h

ROTATION_STATUS = {"KeyRotationEnabled", "KeyId"}
OPTIONAL_STATUS = {"RotationPeriodInDays", "NextRotationDate", "OnDemandRotationStartDate"}
ROTATION_ENTRY = {"KeyId", "RotationDate", "RotationType"}
OPTIONAL_ENTRY = {"KeyMaterialId", "KeyMaterialState"}


def status(kms, key_id):
    resp = kms.get_key_rotation_status(KeyId=key_id)
    assert ROTATION_STATUS <= h.members(resp) <= ROTATION_STATUS | OPTIONAL_STATUS, resp
    return resp


def days_from_now(when: dt.datetime) -> float:
    return (when - h.utcnow()).total_seconds() / 86400


def rotations(kms, key_id, **kwargs):
    return h.list_all(kms.list_key_rotations, "Rotations", KeyId=key_id, **kwargs)


def settle(kms, key_id):
    """Waits until no on-demand rotation is in progress (AWS rotates in the
    background; the field disappears when done [doc])."""
    resp = h.poll(lambda: status(kms, key_id), lambda r: "OnDemandRotationStartDate" not in r)
    assert "OnDemandRotationStartDate" not in resp, resp
    return resp


def test_rotation_is_off_for_a_new_key(kms, key):
    resp = status(kms, key["KeyId"])
    assert resp["KeyRotationEnabled"] is False  # [AWS]
    assert resp["KeyId"] in (key["KeyId"], key["Arn"])
    assert "NextRotationDate" not in resp
    assert rotations(kms, key["KeyId"]) == []


def test_enable_key_rotation_defaults_to_365_days(kms, key):
    resp = kms.enable_key_rotation(KeyId=key["KeyId"])
    assert h.members(resp) == set()
    st = status(kms, key["KeyId"])
    assert st["KeyRotationEnabled"] is True
    assert st["RotationPeriodInDays"] == 365  # [doc] default
    assert 363 < days_from_now(st["NextRotationDate"]) < 367, st


@pytest.mark.parametrize("days", [90, 180, 2560])
def test_enable_key_rotation_with_a_period(kms, key, days):
    kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=days)
    st = status(kms, key["KeyId"])
    assert st["KeyRotationEnabled"] is True
    assert st["RotationPeriodInDays"] == days
    assert days - 2 < days_from_now(st["NextRotationDate"]) < days + 2, st


def test_enable_key_rotation_again_changes_the_period(kms, key):
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["Arn"], RotationPeriodInDays=120)
    assert status(kms, key["KeyId"])["RotationPeriodInDays"] == 120


@pytest.mark.parametrize("days,constraint", [(89, h.min_value(90)), (2561, h.max_value(2560))])
def test_rotation_period_bounds(kms_raw_params, kms, key, days, constraint):
    h.expect_error(lambda: kms_raw_params.enable_key_rotation(KeyId=key["KeyId"],
                                                              RotationPeriodInDays=days),
                   "ValidationException",
                   h.validation_message(h.violation("rotationPeriodInDays", constraint, days)))
    assert status(kms, key["KeyId"])["KeyRotationEnabled"] is False


def test_disable_key_rotation(kms, key):
    kms.enable_key_rotation(KeyId=key["KeyId"])
    resp = kms.disable_key_rotation(KeyId=key["KeyId"])
    assert h.members(resp) == set()
    st = status(kms, key["KeyId"])
    assert st["KeyRotationEnabled"] is False
    assert "NextRotationDate" not in st


def test_rotation_settings_of_a_disabled_key(kms, key):
    # [doc] key-state table: Enable/DisableKeyRotation and RotateKeyOnDemand
    # → DisabledException on a Disabled key; GetKeyRotationStatus works.
    kms.disable_key(KeyId=key["KeyId"])
    disabled = h.msg_key_disabled(key["Arn"])
    h.expect_error(lambda: kms.enable_key_rotation(KeyId=key["KeyId"]), "DisabledException",
                   disabled)
    h.expect_error(lambda: kms.disable_key_rotation(KeyId=key["KeyId"]), "DisabledException",
                   disabled)
    h.expect_error(lambda: kms.rotate_key_on_demand(KeyId=key["KeyId"]), "DisabledException",
                   disabled)
    assert status(kms, key["KeyId"])["KeyRotationEnabled"] is False
    assert rotations(kms, key["KeyId"]) == []


def test_rotate_key_on_demand_keeps_old_ciphertexts_readable(kms, key):
    kid = key["KeyId"]
    ctx = {"epoch": "0"}
    old = kms.encrypt(KeyId=kid, Plaintext=b"epoch 0", EncryptionContext=ctx)["CiphertextBlob"]
    old_dk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256")

    resp = kms.rotate_key_on_demand(KeyId=kid)
    h.assert_request_id(resp)
    assert h.members(resp) == {"KeyId"}
    assert resp["KeyId"] == kid  # [doc] CLI example: the key id given
    settle(kms, kid)

    new = kms.encrypt(KeyId=kid, Plaintext=b"epoch 1", EncryptionContext=ctx)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=old, EncryptionContext=ctx)["Plaintext"] == b"epoch 0"
    assert kms.decrypt(CiphertextBlob=new, EncryptionContext=ctx)["Plaintext"] == b"epoch 1"
    assert kms.decrypt(CiphertextBlob=old_dk["CiphertextBlob"])["Plaintext"] == old_dk["Plaintext"]
    # Old material still refuses a wrong context or a tampered blob.
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=old), "InvalidCiphertextException")
    h.expect_error(lambda: kms.decrypt(CiphertextBlob=h.flip_byte(old, len(old) - 1),
                                       EncryptionContext=ctx), "InvalidCiphertextException")
    # The key's identity does not change.
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    assert (md["KeyId"], md["Arn"], md["CreationDate"], md["KeyState"]) == (
        key["KeyId"], key["Arn"], key["CreationDate"], "Enabled")


def test_every_material_keeps_decrypting_across_rotations(kms, key):
    kid = key["KeyId"]
    blobs = []
    for epoch in range(4):
        blobs.append(kms.encrypt(KeyId=kid, Plaintext=f"epoch {epoch}".encode())["CiphertextBlob"])
        if epoch < 3:
            kms.rotate_key_on_demand(KeyId=kid)
            settle(kms, kid)
    for epoch, blob in enumerate(blobs):
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == f"epoch {epoch}".encode()
    # ReEncrypt brings an old ciphertext to the newest material of the same key.
    fresh = kms.re_encrypt(CiphertextBlob=blobs[0], DestinationKeyId=kid)
    assert fresh["SourceKeyId"] == key["Arn"] and fresh["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=fresh["CiphertextBlob"])["Plaintext"] == b"epoch 0"


def test_list_key_rotations_lists_on_demand_rotations(kms, key):
    kid = key["KeyId"]
    before = h.utcnow() - dt.timedelta(minutes=5)
    kms.rotate_key_on_demand(KeyId=kid)
    settle(kms, kid)
    kms.rotate_key_on_demand(KeyId=kid)
    settle(kms, kid)
    after = h.utcnow() + dt.timedelta(minutes=5)

    resp = kms.list_key_rotations(KeyId=kid)
    assert h.members(resp) == {"Rotations", "Truncated"}, resp
    assert resp["Truncated"] is False
    entries = resp["Rotations"]
    assert len(entries) == 2, entries
    for e in entries:
        assert ROTATION_ENTRY <= set(e) <= ROTATION_ENTRY | OPTIONAL_ENTRY, e
        assert e["KeyId"] in (kid, key["Arn"])
        assert e["RotationType"] == "ON_DEMAND"
        assert before <= e["RotationDate"] <= after
    assert entries[0]["RotationDate"] <= entries[1]["RotationDate"]
    if "KeyMaterialId" in entries[0]:
        assert entries[0]["KeyMaterialId"] != entries[1]["KeyMaterialId"]
    # The key ARN works too, and rotating on demand does not switch
    # automatic rotation on.
    assert len(rotations(kms, key["Arn"])) == 2
    assert status(kms, kid)["KeyRotationEnabled"] is False


def test_list_key_rotations_pages(kms, key):
    for _ in range(3):
        kms.rotate_key_on_demand(KeyId=key["KeyId"])
        settle(kms, key["KeyId"])
    first = kms.list_key_rotations(KeyId=key["KeyId"], Limit=2)
    assert len(first["Rotations"]) == 2 and first["Truncated"] is True and first["NextMarker"]
    listed = rotations(kms, key["KeyId"], limit=1)
    assert len(listed) == 3
    assert all(e["RotationType"] == "ON_DEMAND" for e in listed)
    dates = [e["RotationDate"] for e in listed]
    assert dates == sorted(dates)
    assert listed == rotations(kms, key["KeyId"])


def test_list_key_rotations_with_all_key_material(kms, key):
    # [doc] IncludeKeyMaterial=ALL_KEY_MATERIAL adds the first key material
    # (an entry without RotationType/RotationDate).
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    settle(kms, key["KeyId"])
    entries = rotations(kms, key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert len(entries) == 2, entries
    firsts = [e for e in entries if "RotationType" not in e]
    assert len(firsts) == 1 and "RotationDate" not in firsts[0], entries


def test_on_demand_rotation_leaves_the_automatic_schedule(kms, key):
    # [AWS] NextRotationDate is unchanged by an on-demand rotation.
    kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=180)
    before = status(kms, key["KeyId"])
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    after = settle(kms, key["KeyId"])
    assert after["KeyRotationEnabled"] is True
    assert after["RotationPeriodInDays"] == 180
    assert after["NextRotationDate"] == before["NextRotationDate"]


def test_rotated_key_serves_secrets_manager(kms, sm, key, name):
    v1 = sm.create_secret(Name=name, SecretString="before rotation",
                          KmsKeyId=key["KeyId"])["VersionId"]
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    settle(kms, key["KeyId"])
    v2 = sm.put_secret_value(SecretId=name, SecretString="after rotation")["VersionId"]
    assert sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "before rotation"
    assert sm.get_secret_value(SecretId=name, VersionId=v2)["SecretString"] == "after rotation"
