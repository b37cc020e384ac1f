"""A plain (non-editable) install ships schemas/ and fixtures/ inside the package and finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, cwd=out)
    return next(out.glob("leadsim-*.whl"))


def test_wheel_contains_every_schema_and_fixture(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("schemas", "fixtures"):
        for path in (ROOT / folder).rglob("*.json"):
            assert f"sim/_data/{folder}/{path.relative_to(ROOT / folder).as_posix()}" in names


def test_installed_package_finds_its_data_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from sim.core.resources import data_dir; "
            "print(data_dir('schemas')); print(data_dir('fixtures'))")
    out = subprocess.run([sys.executable, "-c", code, str(target)], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout.split()
    assert out == [str(target / "sim" / "_data" / "schemas"), str(target / "sim" / "_data" / "fixtures")]


def test_installed_package_serves_the_dashboard_and_its_assets(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import sim; assert sim.__file__.startswith(sys.argv[1]); "
            "from sim.app import create_app; from sim.config import Config; c = create_app(Config(store='memory')).test_client(); "
            "print(*(c.get(p).status_code for p in ('/_sim/ui/', '/_sim/ui/workspaces/default', '/_sim/ui/static/ui.css', "
            "'/_sim/ui/static/ui.js', '/_sim/ui/static/favicon.svg')))")
    out = subprocess.run([sys.executable, "-c", code, str(target)], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout.split()
    assert out == ["200"] * 5
