"""`tresor secret …`: the everyday operations for people — values in on
standard input, tables by default, `--output json` for scripts."""

from __future__ import annotations

import json
import os
import subprocess

import smharness as h
from test_exec import env_for


def tresor(endpoint, *args, stdin=None, check=True):
    run = subprocess.run([os.environ["TRESOR_BIN"], "secret", *args], env=env_for(endpoint),
                         input=stdin, capture_output=True, text=True, timeout=60)
    if check:
        assert run.returncode == 0, run.stderr
    return run


def test_a_secrets_life_through_the_native_cli(endpoint):
    name = h.unique_name("cli/app")
    created = tresor(endpoint, "create", name, "--description", "the app", "--tag", "team=web",
                     stdin='{"password": "pw-1"}\n').stdout
    assert f":secret:{name}-" in created
    tresor(endpoint, "put", name, stdin='{"password": "pw-2"}\n')
    assert tresor(endpoint, "get", name, "--key", "password").stdout == "pw-2\n"
    assert json.loads(tresor(endpoint, "get", name, "--version-stage", "AWSPREVIOUS").stdout) \
        == {"password": "pw-1"}
    # The value never passes through the command line; boto3 sees the same.
    sm = h.make_client(endpoint)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == '{"password": "pw-2"}'

    listing = tresor(endpoint, "list", "--prefix", name).stdout.splitlines()
    assert listing[0].split() == ["NAME", "LAST", "CHANGED", "STATE", "DESCRIPTION"]
    assert listing[1].startswith(name) and listing[1].endswith("the app")
    versions = tresor(endpoint, "versions", name).stdout
    assert "AWSCURRENT" in versions and "AWSPREVIOUS" in versions
    tresor(endpoint, "tag", name, "env=prod", "--remove", "team")
    described = json.loads(tresor(endpoint, "describe", name, "--output", "json").stdout)
    assert described["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert "Tags" in tresor(endpoint, "describe", name).stdout

    assert "deleted on" in tresor(endpoint, "delete", name, "--recovery-window-days", "7").stdout
    assert name not in tresor(endpoint, "list", "--prefix", name).stdout
    assert "scheduled for deletion" in tresor(endpoint, "list", "--prefix", name,
                                              "--include-deleted").stdout
    tresor(endpoint, "restore", name)
    assert tresor(endpoint, "get", name, "--key", "password").stdout == "pw-2\n"


def test_errors_are_aws_errors_and_empty_values_are_refused(endpoint):
    missing = tresor(endpoint, "get", h.unique_name("cli/none"), check=False)
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
    empty = tresor(endpoint, "create", h.unique_name("cli/empty"), stdin="", check=False)
    assert empty.returncode != 0 and "empty" in empty.stderr


def test_shell_completions_know_the_commands():
    for shell in ("bash", "zsh", "fish"):
        run = subprocess.run([os.environ["TRESOR_BIN"], "completions", shell],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        for command in ("exec", "render", "secret", "audit", "operator"):
            assert command in run.stdout, (shell, command)
