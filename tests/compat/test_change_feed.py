"""The change feed (`TresorOperator.WaitForSecretChanges`): a watcher
learns within one call that a secret it follows changed, and may follow
only what it may read."""

from __future__ import annotations

import json
import threading
import time

import smharness as h


def wait(ep: h.Endpoint, body: dict, **sign) -> h.RawResponse:
    return h.RawClient(ep).call("TresorOperator.WaitForSecretChanges", body, service="tresor",
                                **sign)


def test_a_change_ends_the_wait_with_its_arn(endpoint):
    sm = h.make_client(endpoint)
    name, other = h.unique_name("feed/a"), h.unique_name("feed/b")
    arn = sm.create_secret(Name=name, SecretString="1")["ARN"]
    sm.create_secret(Name=other, SecretString="1")
    start = wait(endpoint, {"SecretIds": [name]})
    assert start.status == 200, start
    cursor = start.json["Cursor"]
    assert start.json["Changed"] == []
    # Nothing changed: the wait ends empty, with a cursor to go on from.
    quiet = wait(endpoint, {"SecretIds": [name], "Cursor": cursor, "WaitSeconds": 1})
    assert quiet.status == 200 and quiet.json["Changed"] == [], quiet
    # Another secret's change does not concern this watcher; this one's does.
    result = {}

    def watcher():
        result["r"] = wait(endpoint, {"SecretIds": [name], "Cursor": quiet.json["Cursor"],
                                      "WaitSeconds": 30})

    thread = threading.Thread(target=watcher)
    thread.start()
    time.sleep(0.5)
    sm.put_secret_value(SecretId=other, SecretString="2")
    time.sleep(0.5)
    assert thread.is_alive(), "woken by a secret it does not follow"
    sm.put_secret_value(SecretId=name, SecretString="2")
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert result["r"].status == 200 and result["r"].json["Changed"] == [arn], result["r"]
    # A cursor from another server (or before a restart) reports everything.
    foreign = wait(endpoint, {"SecretIds": [name], "Cursor": "1.1", "WaitSeconds": 1})
    assert foreign.json["Changed"] == [arn]


def test_only_readable_secrets_can_be_followed(endpoint, ids):
    sm = h.make_client(endpoint)
    mine, theirs = h.unique_name("feed/mine"), h.unique_name("feed/theirs")
    mine_arn = sm.create_secret(Name=mine, SecretString="1")["ARN"]
    sm.create_secret(Name=theirs, SecretString="1")
    user = ids.user("watcher", policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                       "Resource": mine_arn}]}))
    ok = h.poll(lambda: wait(user.endpoint, {"SecretIds": [mine]}),
                lambda r: r.status == 200)
    assert ok.json["Changed"] == []
    denied = wait(user.endpoint, {"SecretIds": [mine, theirs]})
    assert denied.status == 400 and denied.code == "AccessDeniedException", denied
    assert "secretsmanager:GetSecretValue" in denied.message
    missing = wait(endpoint, {"SecretIds": [h.unique_name("feed/none")]})
    assert missing.code == "ResourceNotFoundException", missing
    # A cursor alone names no secret: any signed caller may take one.
    position = wait(user.endpoint, {"SecretIds": []})
    assert position.status == 200 and position.json["Changed"] == [], position
    assert "." in position.json["Cursor"]
    too_many = [h.unique_name("feed/many")] * 1001
    for bad in [{"SecretIds": [], "Cursor": position.json["Cursor"]},
                {"SecretIds": too_many}, {"SecretIds": [mine], "WaitSeconds": 61},
                {"Nope": 1}]:
        assert wait(endpoint, bad).code == "ValidationException", bad
