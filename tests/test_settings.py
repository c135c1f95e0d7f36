"""Settings: defaults, then S2S_* environment variables, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from s2s_graph.settings import Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.base_iri == "https://w3id.org/safe-to-share/"
    assert settings.dist_path == Path("dist")


def test_environment_then_overrides():
    env = {"S2S_BASE_IRI": "http://example.org/a/", "S2S_PROJECT_ROOT": "/srv/s2s"}
    settings = Settings.from_env(env, base_iri=None, dist_dir=Path("out"))
    assert settings.base_iri == "http://example.org/a/"
    assert settings.dist_path == Path("/srv/s2s/out")
    assert Settings.from_env(env, base_iri="http://example.org/b/").base_iri == "http://example.org/b/"


def test_a_base_without_a_trailing_slash_is_refused():
    with pytest.raises(ValueError, match="must end with '/'"):
        Settings.from_env({"S2S_BASE_IRI": "http://example.org/a"})


def test_a_bad_base_on_the_command_line_exits_2(runner):
    from s2s_graph.cli import main

    result = runner.invoke(main, ["--base-iri", "http://example.org/a", "validate"])
    assert result.exit_code == 2
    assert "must end with '/'" in result.stderr
