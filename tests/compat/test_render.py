"""`tresor render`: secrets written into a file from a template, atomically,
0600 by default; `--watch` rewrites it after a change and runs a reload
command."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import smharness as h
from test_exec import env_for


def test_renders_a_config_file_with_mode_0600(endpoint, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("render/db")
    sm.create_secret(Name=name, SecretString=json.dumps({"user": "app", "password": 'p"w'}))
    api = h.unique_name("render/api")
    sm.create_secret(Name=api, SecretString="api-key-1")
    template = tmp_path / "app.conf.tmpl"
    template.write_text(f'user = {{{{ secret "{name}" "user" }}}}\n'
                        f'password = {{{{ secret "{name}:password" }}}}\n'
                        f'api = {{{{ secret "{api}" }}}} {{{{"{{{{"}}}}literal\n')
    out = tmp_path / "app.conf"
    run = subprocess.run([binary, "render", "--template", str(template), "--output", str(out)],
                         env=env_for(endpoint), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert out.read_text() == 'user = app\npassword = p"w\napi = api-key-1 {{literal\n'
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    run = subprocess.run([binary, "render", "--template", str(template), "--output", str(out),
                          "--mode", "0640"], env=env_for(endpoint), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_errors_name_the_problem_and_leave_the_file(endpoint, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    out = tmp_path / "app.conf"
    out.write_text("previous\n")
    template = tmp_path / "bad.tmpl"
    for text, needle in [("a\n{{ nope }}", "line 2"),
                         ('{{ secret "%s" }}' % h.unique_name("missing"),
                          "ResourceNotFoundException")]:
        template.write_text(text)
        run = subprocess.run([binary, "render", "--template", str(template), "--output",
                              str(out)], env=env_for(endpoint), capture_output=True, text=True,
                             timeout=60)
        assert run.returncode != 0 and needle in run.stderr, run.stderr
        assert out.read_text() == "previous\n"


def test_watch_rewrites_and_runs_the_reload_command(endpoint, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("render/watch")
    sm.create_secret(Name=name, SecretString="v1")
    template = tmp_path / "t.tmpl"
    template.write_text('value={{ secret "%s" }}\n' % name)
    out = tmp_path / "out.conf"
    reloads = tmp_path / "reloads"
    proc = subprocess.Popen([binary, "render", "--template", str(template), "--output", str(out),
                             "--watch", "--interval", "1", "--exec", f"echo reload >> {reloads}"],
                            env=env_for(endpoint), stderr=subprocess.PIPE, text=True)
    try:
        h.poll(lambda: out.exists() and out.read_text(), lambda t: t == "value=v1\n", timeout=20)
        sm.put_secret_value(SecretId=name, SecretString="v2")
        h.poll(lambda: out.read_text(), lambda t: t == "value=v2\n", timeout=20)
        h.poll(lambda: reloads.exists() and reloads.read_text(), lambda t: t == "reload\n",
               timeout=20)
    finally:
        proc.kill()
        proc.wait()
