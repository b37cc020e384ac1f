"""Packaging shim: ship the top-level ``schemas/`` and ``fixtures/`` inside the wheel as ``sim/_data/``.

pyproject.toml alone cannot map a top-level data folder into the package, so the mapping lives here;
everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA = {"sim._data.schemas": "schemas", "sim._data.fixtures": "fixtures"}

setup(
    packages=find_packages(include=["sim", "sim.*"]) + list(DATA),
    package_dir=DATA,
    package_data={name: ["*.json", "**/*.json", "**/*.md"] for name in DATA}
    | {"sim": ["control/templates/*", "control/static/*"]},
    include_package_data=False,
)
